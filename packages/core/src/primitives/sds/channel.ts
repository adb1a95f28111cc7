/**
 * Scalable Data Sync (vac SDS, js-waku wire) as a deterministic state machine. No timers and no I/O: the caller
 * drives it with `send`, `receive` and `sweep` at times it chooses, and gets back a new state, the messages to
 * put on the wire, and events (delivered in causal order, missing, acked, possibly acked, lost).
 *
 * Choices beyond the spec (docs/SDS.md explains them): the Bloom filter travels only in sync messages by
 * default; our last own message is always cited, so a sender's messages are delivered in the order sent;
 * acknowledgements are exact unless transitive acks are configured; a message enters our Bloom filter when
 * it is delivered, not when it is buffered; a dependency that never arrives is declared lost after a bound and
 * no longer blocks the messages that wait on it.
 *
 * This class holds the configuration and names the steps; each step lives in a file of its own (send.ts,
 * receive.ts, delivery.ts, acks.ts, ack-debt.ts, resend.ts, incoming-lost.ts, sweep.ts), working on a draft of
 * the state whose speed-ups (window index, packed window, lost set) are draft.ts and known.ts.
 */
import { reackStep, writeSync } from "./ack-debt.js";
import { emptyBloom } from "./bloom.js";
import { finishDraft, openDraft } from "./draft.js";
import type { SdsReceiveOptions, SdsReceiveResult, SdsStep, SdsSweepOptions } from "./events.js";
import { resolveSdsConfig, type SdsConfig, type SdsOptions } from "./options.js";
import { receiveStep } from "./receive.js";
import { touchStep } from "./resend.js";
import { sendStep } from "./send.js";
import type { MissingMessage, SdsState } from "./state.js";
import { sweepStep } from "./sweep.js";

export class Sds {
  /** The options with their defaults applied; every step reads it. */
  readonly config: SdsConfig;

  constructor(options: SdsOptions = {}) {
    this.config = resolveSdsConfig(options);
  }

  /** A new channel; the Lamport clock starts at `now` (ms), as the spec requires. */
  init(channelId: string, senderId: string, now: number): SdsState {
    return {
      channelId,
      senderId,
      lamport: BigInt(Math.floor(now)),
      bloom: emptyBloom(this.config.geometry),
      bloomCount: 0,
      recent: [],
      known: [],
      lost: [],
      missing: [],
      incoming: [],
      outgoing: [],
      lastOwnId: undefined,
      ackOwed: [],
      ackOwedSince: undefined,
      lastSentAt: undefined,
      peerHeardAt: undefined,
      abandoned: [],
    };
  }

  /**
   * Sends a content message with a caller-chosen unique id (e.g. `messageIdFor(segment)`). Throws SdsError
   * for empty content or a reused id (caller bugs, not peer input).
   */
  send(state: SdsState, content: Uint8Array, messageId: string, now: number): SdsStep {
    return sendStep(this.config, state, content, messageId, now);
  }

  /** Receives one encoded SDS message at `now`. Total: never throws on peer input. */
  receive(state: SdsState, bytes: Uint8Array, now: number, options: SdsReceiveOptions = {}): SdsReceiveResult {
    return receiveStep(this.config, state, bytes, now, options);
  }

  /**
   * Periodic work at `now`: declares long-missing dependencies lost (delivering what waited on them), resends
   * unacknowledged messages or gives up on them, and sends a sync message when an acknowledgement is due.
   */
  sweep(
    state: SdsState,
    now: number,
    options: SdsSweepOptions = {},
  ): SdsStep & { readonly missing: readonly MissingMessage[] } {
    return sweepStep(this.config, state, now, options);
  }

  /**
   * Sends a sync message now (empty content, cites recent and owed ids, carries the filter unless "none").
   * With nothing to cite it sends nothing, unless `force` (a message whose only purpose is to exist).
   */
  sync(state: SdsState, now: number, options: { force?: boolean } = {}): SdsStep {
    const d = openDraft(state);
    writeSync(this.config, d, now, options.force ?? false);
    return finishDraft(d);
  }

  /**
   * Records that these unacknowledged messages were just put on the wire by the caller (sealed again in a new
   * session), so the next resend of each is counted from now.
   */
  touch(state: SdsState, messageIds: readonly string[], now: number): SdsState {
    return touchStep(state, messageIds, now);
  }

  /**
   * Owes an acknowledgement again for a message of the peer this channel received, when its sender shows it did
   * not see ours (a resend that the encryption layer recognised as a replay of a message it opened). Returns the
   * same state when the message still waits in the buffer (not delivered: nothing to acknowledge yet). A message
   * delivered so long ago that its id left the `known` window is acknowledged again too: before, it never was,
   * and its sender resent it until its give-up bound, then called it lost.
   */
  reack(state: SdsState, messageId: string, senderId: string, now: number): SdsState {
    return reackStep(this.config, state, messageId, senderId, now);
  }
}
