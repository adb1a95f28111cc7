/**
 * SDS messages on the wire: `logoschat.sds.SdsMessage`, the field numbers js-waku uses (lamport as uint64).
 * Content messages have a Lamport timestamp and content; sync messages a timestamp and no content;
 * ephemeral messages content and no timestamp.
 */
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { create, fromBinary, type SdsMessage, SdsMessageSchema, toBinary } from "../../wire/index.js";

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

/** Bounds on what a peer may send us (js-waku sends up to 200 history entries). */
export const MAX_HISTORY_ENTRIES = 1000;
export const MAX_ID_LENGTH = 256;

/** A per-message id for the caller: lowercase hex of BLAKE2b-128 of the bytes (e.g. an encoded segment). */
export function messageIdFor(crypto: CryptoProvider, bytes: Uint8Array): string {
  return toHex(crypto.blake2b(bytes, { dkLen: 16 }));
}

export function encodeSdsMessage(fields: {
  senderId: string;
  messageId: string;
  channelId: string;
  lamport?: bigint;
  causalHistory: readonly HistoryRef[];
  bloomFilter?: Uint8Array;
  content?: Uint8Array;
}): Uint8Array {
  const message: SdsMessage = create(SdsMessageSchema, {
    senderId: fields.senderId,
    messageId: fields.messageId,
    channelId: fields.channelId,
    lamportTimestamp: fields.lamport,
    causalHistory: fields.causalHistory.map((h) => ({
      messageId: h.messageId,
      retrievalHint: h.retrievalHint,
      senderId: h.senderId,
    })),
    bloomFilter: fields.bloomFilter,
    content: fields.content,
  });
  return toBinary(SdsMessageSchema, message);
}

/** Total: returns undefined for anything that is not a well-formed SDS message within our bounds. */
export function decodeSdsMessage(bytes: Uint8Array): DecodedSdsMessage | undefined {
  let m: SdsMessage;
  try {
    m = fromBinary(SdsMessageSchema, bytes);
  } catch {
    return undefined;
  }
  if (m.messageId.length === 0 || m.messageId.length > MAX_ID_LENGTH) return undefined;
  if (m.causalHistory.length > MAX_HISTORY_ENTRIES || m.repairRequest.length > MAX_HISTORY_ENTRIES) return undefined;
  if (m.causalHistory.some((h) => h.messageId.length === 0 || h.messageId.length > MAX_ID_LENGTH)) return undefined;
  const hasContent = m.content !== undefined && m.content.length > 0;
  let kind: SdsKind;
  if (m.lamportTimestamp !== undefined) kind = hasContent ? "content" : "sync";
  else if (hasContent) kind = "ephemeral";
  else return undefined;
  const refs = (list: SdsMessage["causalHistory"]): HistoryRef[] =>
    list.map((h) => ({
      messageId: h.messageId,
      ...(h.retrievalHint !== undefined ? { retrievalHint: h.retrievalHint } : {}),
      ...(h.senderId !== undefined ? { senderId: h.senderId } : {}),
    }));
  return {
    kind,
    senderId: m.senderId,
    messageId: m.messageId,
    channelId: m.channelId,
    lamport: m.lamportTimestamp,
    causalHistory: refs(m.causalHistory),
    bloomFilter: m.bloomFilter,
    repairRequest: refs(m.repairRequest),
    content: hasContent ? m.content : undefined,
  };
}
