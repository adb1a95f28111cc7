/**
 * The hand-written codec of `logoschat.sds.SdsMessage` (js-waku's field numbers, lamport as uint64), checked
 * against the protobuf runtime by test/wire/hand-codecs.test.ts. Content messages have a Lamport timestamp
 * and content; sync messages a timestamp and no content; ephemeral messages content and no timestamp.
 */
import { fromBinary, type SdsMessage, SdsMessageSchema } from "../index.js";
import {
  LEN,
  lenFieldSize,
  tagSize,
  VARINT,
  varint64Size,
  WireReader,
  type WireText,
  WireWriter,
  wireText,
} from "./protowire.js";

export interface HistoryRef {
  readonly messageId: string;
  readonly retrievalHint?: Uint8Array;
  readonly senderId?: string;
}

export type SdsKind = "content" | "sync" | "ephemeral";

export interface DecodedSdsMessage {
  readonly kind: SdsKind;
  readonly senderId: string;
  readonly messageId: string;
  readonly channelId: string;
  readonly lamport: bigint | undefined;
  readonly causalHistory: readonly HistoryRef[];
  readonly bloomFilter: Uint8Array | undefined;
  readonly repairRequest: readonly HistoryRef[];
  readonly content: Uint8Array | undefined;
}

/** What `encodeSdsMessage` writes. */
export interface SdsMessageFields {
  readonly senderId: string;
  readonly messageId: string;
  readonly channelId: string;
  readonly lamport?: bigint;
  readonly causalHistory: readonly HistoryRef[];
  readonly bloomFilter?: Uint8Array;
  readonly content?: Uint8Array;
}

/** Bounds on what a peer may send us (js-waku sends up to 200 history entries). */
export const MAX_HISTORY_ENTRIES = 1000;
export const MAX_ID_LENGTH = 256;

/** Field numbers of `SdsMessage` and of its `HistoryEntry`. */
const SENDER = 1;
const ID = 2;
const CHANNEL = 3;
const LAMPORT = 10;
const HISTORY = 11;
const BLOOM = 12;
const REPAIR = 13;
const CONTENT = 20;
const ENTRY_ID = 1;
const ENTRY_HINT = 2;
const ENTRY_SENDER = 3;

/**
 * Exactly the bytes `toBinary(SdsMessageSchema, ...)` writes (fields in number order, proto3 strings only when
 * not empty, optional fields whenever set): one message per send, where the runtime's generic writer was a
 * good part of the cost. Sizes first, then one exact buffer.
 */
export function encodeSdsMessage(fields: SdsMessageFields): Uint8Array {
  const sender = wireText(fields.senderId);
  const id = wireText(fields.messageId);
  const channel = wireText(fields.channelId);
  const lamport = fields.lamport === undefined ? undefined : BigInt.asUintN(64, fields.lamport);
  const history = fields.causalHistory;
  const entryIds: WireText[] = [];
  const entrySenders: (WireText | undefined)[] = [];
  const entrySizes: number[] = [];
  let size =
    textSize(SENDER, sender) +
    textSize(ID, id) +
    textSize(CHANNEL, channel) +
    (lamport === undefined ? 0 : tagSize(LAMPORT) + varint64Size(lamport));
  for (const h of history) {
    const entryId = wireText(h.messageId);
    const entrySender = h.senderId === undefined ? undefined : wireText(h.senderId);
    const inner =
      textSize(ENTRY_ID, entryId) +
      (h.retrievalHint === undefined ? 0 : lenFieldSize(h.retrievalHint.length, ENTRY_HINT)) +
      (entrySender === undefined ? 0 : lenFieldSize(entrySender.length, ENTRY_SENDER));
    entryIds.push(entryId);
    entrySenders.push(entrySender);
    entrySizes.push(inner);
    size += lenFieldSize(inner, HISTORY);
  }
  if (fields.bloomFilter !== undefined) size += lenFieldSize(fields.bloomFilter.length, BLOOM);
  if (fields.content !== undefined) size += lenFieldSize(fields.content.length, CONTENT);

  const w = new WireWriter(size);
  if (sender.length > 0) w.text(SENDER, sender);
  if (id.length > 0) w.text(ID, id);
  if (channel.length > 0) w.text(CHANNEL, channel);
  if (lamport !== undefined) {
    w.tag(LAMPORT, VARINT);
    w.varint64(lamport);
  }
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    w.tag(HISTORY, LEN);
    w.varint(entrySizes[i]!);
    if (entryIds[i]!.length > 0) w.text(ENTRY_ID, entryIds[i]!);
    if (h.retrievalHint !== undefined) w.bytes(ENTRY_HINT, h.retrievalHint);
    const entrySender = entrySenders[i];
    if (entrySender !== undefined) w.text(ENTRY_SENDER, entrySender);
  }
  if (fields.bloomFilter !== undefined) w.bytes(BLOOM, fields.bloomFilter);
  if (fields.content !== undefined) w.bytes(CONTENT, fields.content);
  return w.finish();
}

/** A proto3 string field: nothing when empty. */
function textSize(field: number, text: WireText): number {
  return text.length > 0 ? lenFieldSize(text.length, field) : 0;
}

/** The message's fields as read, before its kind and our bounds are applied. */
interface SdsWireFields {
  readonly senderId: string;
  readonly messageId: string;
  readonly channelId: string;
  readonly lamport: bigint | undefined;
  readonly causalHistory: readonly HistoryRef[];
  readonly bloomFilter: Uint8Array | undefined;
  readonly repairRequest: readonly HistoryRef[];
  readonly content: Uint8Array | undefined;
}

/** Total: returns undefined for anything that is not a well-formed SDS message within our bounds. */
export function decodeSdsMessage(bytes: Uint8Array): DecodedSdsMessage | undefined {
  const fast = readCanonicalSdsMessage(bytes);
  if (fast !== undefined) return classify(fast);
  let m: SdsMessage;
  try {
    m = fromBinary(SdsMessageSchema, bytes);
  } catch {
    return undefined;
  }
  return sdsMessageFromRuntime(m);
}

/** What `decodeSdsMessage` answers for a message the protobuf runtime decoded. */
export function sdsMessageFromRuntime(m: SdsMessage): DecodedSdsMessage | undefined {
  const refs = (list: SdsMessage["causalHistory"]): HistoryRef[] =>
    list.map((h) => historyRef(h.messageId, h.retrievalHint, h.senderId));
  return classify({
    senderId: m.senderId,
    messageId: m.messageId,
    channelId: m.channelId,
    lamport: m.lamportTimestamp,
    causalHistory: refs(m.causalHistory),
    bloomFilter: m.bloomFilter,
    repairRequest: refs(m.repairRequest),
    content: m.content,
  });
}

/** The kind from which fields are present (as js-waku reads it), within our bounds; undefined otherwise. */
function classify(m: SdsWireFields): DecodedSdsMessage | undefined {
  if (m.messageId.length === 0 || m.messageId.length > MAX_ID_LENGTH) return undefined;
  if (m.causalHistory.length > MAX_HISTORY_ENTRIES || m.repairRequest.length > MAX_HISTORY_ENTRIES) return undefined;
  if (m.causalHistory.some((h) => h.messageId.length === 0 || h.messageId.length > MAX_ID_LENGTH)) return undefined;
  const hasContent = m.content !== undefined && m.content.length > 0;
  let kind: SdsKind;
  if (m.lamport !== undefined) kind = hasContent ? "content" : "sync";
  else if (hasContent) kind = "ephemeral";
  else return undefined;
  return {
    kind,
    senderId: m.senderId,
    messageId: m.messageId,
    channelId: m.channelId,
    lamport: m.lamport,
    causalHistory: m.causalHistory,
    bloomFilter: m.bloomFilter,
    repairRequest: m.repairRequest,
    content: hasContent ? m.content : undefined,
  };
}

function historyRef(
  messageId: string,
  retrievalHint: Uint8Array | undefined,
  senderId: string | undefined,
): HistoryRef {
  if (retrievalHint === undefined && senderId === undefined) return { messageId };
  return {
    messageId,
    ...(retrievalHint !== undefined ? { retrievalHint } : {}),
    ...(senderId !== undefined ? { senderId } : {}),
  };
}

/**
 * The canonical layout without the runtime: fields in number order, each scalar at most once, the repeated
 * entries together, ASCII strings, nothing unknown. Anything else (undefined) goes to `fromBinary`, which then
 * decides, so the result is the same.
 */
function readCanonicalSdsMessage(bytes: Uint8Array): SdsWireFields | undefined {
  const r = new WireReader(bytes);
  const senderId = r.asciiField(SENDER);
  if (senderId === undefined) return undefined;
  const messageId = r.asciiField(ID);
  if (messageId === undefined) return undefined;
  const channelId = r.asciiField(CHANNEL);
  if (channelId === undefined) return undefined;
  let lamport: bigint | undefined;
  if (r.at(LAMPORT, VARINT)) {
    lamport = r.uint64();
    if (lamport === undefined) return undefined;
  }
  const causalHistory = readEntries(r, HISTORY);
  if (causalHistory === undefined) return undefined;
  let bloomFilter: Uint8Array | undefined;
  if (r.at(BLOOM, LEN)) {
    bloomFilter = r.bytes();
    if (bloomFilter === undefined) return undefined;
  }
  const repairRequest = readEntries(r, REPAIR);
  if (repairRequest === undefined) return undefined;
  let content: Uint8Array | undefined;
  if (r.at(CONTENT, LEN)) {
    content = r.bytes();
    if (content === undefined) return undefined;
  }
  if (!r.done) return undefined;
  return { senderId, messageId, channelId, lamport, causalHistory, bloomFilter, repairRequest, content };
}

/** The run of `HistoryEntry` fields numbered `field` that comes next (possibly none). */
function readEntries(r: WireReader, field: number): HistoryRef[] | undefined {
  const out: HistoryRef[] = [];
  while (r.at(field, LEN)) {
    const inner = r.bytes();
    if (inner === undefined) return undefined;
    const e = new WireReader(inner);
    const messageId = e.asciiField(ENTRY_ID);
    if (messageId === undefined) return undefined;
    let retrievalHint: Uint8Array | undefined;
    if (e.at(ENTRY_HINT, LEN)) {
      retrievalHint = e.bytes();
      if (retrievalHint === undefined) return undefined;
    }
    let senderId: string | undefined;
    if (e.at(ENTRY_SENDER, LEN)) {
      senderId = e.ascii();
      if (senderId === undefined) return undefined;
    }
    if (!e.done) return undefined;
    out.push(historyRef(messageId, retrievalHint, senderId));
  }
  return out;
}
