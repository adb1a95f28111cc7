/**
 * Message requests: invites held for the application's decision (`InvitePolicy.mode = "request"`). A request
 * keeps what accepting it later needs (the started PrivateV1 conversation's ref and first state, the content
 * frames its invite carried) in its own namespace, apart from the conversation records: until the
 * application accepts it, the conversation is not known to the decoder, has no topic subscription, no
 * conversation record and no history. Refusing deletes the request and keeps only a refusal mark (id and
 * expiry) so that the sender's resends of the same invite do not raise it again.
 */
import { ByteReader, ByteWriter, TruncatedInput } from "../base/binary.js";

/** key = the request's id (the local id its conversation takes when accepted) -> encoded PendingRequest. */
export const MESSAGE_REQUEST_NS = "client.message-requests";
/** key = a refused request's id -> u64 expiry (ms). */
export const REFUSED_INVITE_NS = "client.refused-invites";

/** Most refusal marks kept; the oldest go first (a resend after that raises the request again, once). */
export const MAX_REFUSAL_MARKS = 1_000;

export interface RequestFrame {
  readonly messageId: string;
  readonly timestamp: number;
  /** The encoded ContentFrame as received. */
  readonly content: Uint8Array;
}

export interface PendingRequest {
  readonly id: string;
  readonly type: string;
  readonly contentTopic: string;
  /** The initiator's authenticated installation key, lower hex. */
  readonly peer: string;
  readonly receivedAt: number;
  readonly expiresAt: number;
  /** The started conversation's state right after opening the invite (its first message consumed). */
  readonly state: Uint8Array;
  readonly frames: readonly RequestFrame[];
}

const VERSION = 1;

export function encodeRequest(r: PendingRequest): Uint8Array {
  const w = new ByteWriter()
    .u8(VERSION)
    .string(r.id)
    .string(r.type)
    .string(r.contentTopic)
    .string(r.peer)
    .uint(r.receivedAt)
    .uint(r.expiresAt)
    .bytes(r.state)
    .uint(r.frames.length);
  for (const f of r.frames) w.string(f.messageId).uint(Math.max(0, f.timestamp)).bytes(f.content);
  return w.finish();
}

/** Total: undefined for anything that is not a version-1 request record. */
export function decodeRequest(bytes: Uint8Array | undefined): PendingRequest | undefined {
  if (!bytes) return undefined;
  try {
    const r = new ByteReader(bytes);
    if (r.u8() !== VERSION) return undefined;
    const head = {
      id: r.string(),
      type: r.string(),
      contentTopic: r.string(),
      peer: r.string(),
      receivedAt: r.uint(),
      expiresAt: r.uint(),
      state: r.bytes(),
    };
    const n = r.uint();
    const frames: RequestFrame[] = [];
    for (let i = 0; i < n; i++) frames.push({ messageId: r.string(), timestamp: r.uint(), content: r.bytes() });
    return r.done ? { ...head, frames } : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}

export function encodeExpiry(expiresAt: number): Uint8Array {
  return new ByteWriter().uint(expiresAt).finish();
}

export function decodeExpiry(bytes: Uint8Array): number | undefined {
  try {
    const r = new ByteReader(bytes);
    const t = r.uint();
    return r.done ? t : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}
