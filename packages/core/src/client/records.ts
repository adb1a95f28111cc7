/** Store layout of the client's own records (conversation list, history). Conversation states live in the framework's namespaces. */

import { ByteReader, ByteWriter, TruncatedInput } from "../base/binary.js";
import { fromUtf8, utf8 } from "../base/bytes.js";
import type { ConversationInfo, DeliveryState } from "./types.js";

/** key "inbox" -> JSON ConversationRef of this client's inbox (present once an identity exists). */
export const META_NS = "client.meta";
/** key = local conversation id -> JSON ConversationInfo. */
export const CONVERSATION_INFO_NS = "client.conversations";
/** key = `${conversationId}/${seq 16 digits}` -> HistoryRecord. */
export const HISTORY_NS = "client.history";
/** key = `${conversationId}/${messageId}` -> history key. */
export const MESSAGE_INDEX_NS = "client.message-index";

export interface HistoryRecord {
  readonly messageId: string;
  readonly direction: "in" | "out";
  readonly timestamp: number;
  readonly storedAt: number;
  readonly state: DeliveryState | undefined;
  /** The encoded ContentFrame, exactly as sent or received. */
  readonly content: Uint8Array;
  /** Inbound: the sender's installation key hex (absent in records written before version 2). */
  readonly sender?: string;
  /** Copied from a sibling device's history (an account's history slice, docs/ACCOUNTS.md §4), not received. */
  readonly synced?: boolean;
}

const STATES: readonly (DeliveryState | undefined)[] = [undefined, "queued", "sent", "possibly-acked", "acked", "lost"];

/** Version 1 records end after the content; version 2 appends the sender; version 3 then a u8 1 (synced). */
export function encodeHistory(r: HistoryRecord): Uint8Array {
  const w = new ByteWriter()
    .u8(r.synced ? 3 : r.sender === undefined ? 1 : 2)
    .u8(r.direction === "in" ? 0 : 1)
    .string(r.messageId)
    .uint(Math.max(0, r.timestamp))
    .uint(r.storedAt)
    .u8(STATES.indexOf(r.state))
    .bytes(r.content);
  if (r.sender !== undefined || r.synced) w.string(r.sender ?? "");
  if (r.synced) w.u8(1);
  return w.finish();
}

export function decodeHistory(bytes: Uint8Array): HistoryRecord | undefined {
  try {
    const r = new ByteReader(bytes);
    const version = r.u8();
    if (version < 1 || version > 3) return undefined;
    const direction = r.u8() === 0 ? "in" : "out";
    const messageId = r.string();
    const timestamp = r.uint();
    const storedAt = r.uint();
    const s = r.u8();
    if (s >= STATES.length) return undefined;
    const content = r.bytes();
    const record = { messageId, direction, timestamp, storedAt, state: STATES[s], content } as const;
    if (version === 1) return r.done ? record : undefined;
    const sender = r.string();
    if (version === 2) return r.done ? { ...record, sender } : undefined;
    return r.u8() === 1 && r.done ? { ...record, sender, synced: true } : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}

export function historyKey(conversationId: string, seq: number): string {
  return `${conversationId}/${String(seq).padStart(16, "0")}`;
}

export function encodeJson(value: unknown): Uint8Array {
  return utf8(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array | undefined): T | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(fromUtf8(bytes) ?? "") as T;
  } catch {
    return undefined;
  }
}

export function decodeInfo(bytes: Uint8Array | undefined): ConversationInfo | undefined {
  const o = decodeJson<ConversationInfo>(bytes);
  return o && typeof o.id === "string" && typeof o.type === "string" ? o : undefined;
}

/**
 * States only move forward: queued → sent → possibly-acked → acked. `lost` (given up) is final except for a
 * late acknowledgement, which makes it `acked`: the peer's application got it after all.
 */
export function advance(current: DeliveryState | undefined, next: DeliveryState): DeliveryState | undefined {
  if (current === "acked") return undefined;
  if (current === "lost") return next === "acked" ? "acked" : undefined;
  const order: DeliveryState[] = ["queued", "sent", "possibly-acked", "acked"];
  if (next === "lost") return "lost";
  if (current !== undefined && order.indexOf(next) <= order.indexOf(current)) return undefined;
  return next;
}
