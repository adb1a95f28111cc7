/**
 * Sending a content message: tick the clock, cite the causal history (our own last message always among it),
 * remember the message until it is acknowledged, and settle the acknowledgements it carries.
 */
import { cited } from "./ack-debt.js";
import { addKnown, finishDraft, isKnown, openDraft } from "./draft.js";
import { SdsError } from "./errors.js";
import type { SdsStep } from "./events.js";
import { contentHistory, insertRecent, tick } from "./log.js";
import { encodeSdsMessage } from "./message.js";
import type { SdsConfig } from "./options.js";
import { appendedTimers, giveOutgoingIds, takeOutgoingIds } from "./outgoing-index.js";
import type { SdsState } from "./state.js";

const EMPTY = new Uint8Array(0);

/** See `Sds.send`. */
export function sendStep(c: SdsConfig, state: SdsState, content: Uint8Array, messageId: string, now: number): SdsStep {
  if (content.length === 0) throw new SdsError("empty-content", "content messages need content");
  if (messageId.length === 0) throw new SdsError("malformed", "message id must not be empty");
  const d = openDraft(state);
  // The ids of the unacknowledged messages, handed on to the next state's list (outgoing-index.ts).
  const ids = takeOutgoingIds(state.outgoing);
  if (isKnown(d, messageId) || ids.has(messageId)) {
    giveOutgoingIds(state.outgoing, ids);
    throw new SdsError("duplicate-id", "message id already used in this channel");
  }
  d.lamport = tick(d.lamport, now);
  const history = contentHistory(c, d);
  const bytes = encodeSdsMessage({
    senderId: d.senderId,
    messageId,
    channelId: d.channelId,
    lamport: d.lamport,
    causalHistory: history,
    bloomFilter: c.bloomIn === "all" ? d.bloom : undefined,
    content,
  });
  const sent = {
    messageId,
    lamport: d.lamport,
    dependencies: history.map((h) => h.messageId),
    bytes: c.retainOutgoingBytes ? bytes : EMPTY,
    firstSentAt: now,
    lastSentAt: now,
    resends: 0,
    possibleAcks: 0,
  };
  d.outgoing.push(sent);
  addKnown(d, messageId, c.historyWindow);
  insertRecent(c, d, { messageId, lamport: d.lamport, senderId: d.senderId });
  d.lastOwnId = messageId;
  d.lastSentAt = now;
  cited(c, d, history);
  d.out.push({ messageId, bytes, kind: "content" });
  const step = finishDraft(d);
  ids.add(messageId);
  giveOutgoingIds(step.state.outgoing, ids);
  appendedTimers(c, state.outgoing, step.state.outgoing, sent);
  return step;
}
