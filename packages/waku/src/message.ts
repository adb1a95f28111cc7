import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "@parley/core";
import { WakuMessage } from "@waku/proto";

/**
 * The 14/WAKU2-MESSAGE envelope every relayed and stored message travels in, and its deterministic hash.
 * Version 0 (no Waku-level encryption): Parley payloads are end-to-end encrypted by the chat protocol.
 */
export type { WakuMessage };

export function encodeWakuMessage(message: WakuMessage): Uint8Array {
  return WakuMessage.encode(message);
}

/** Total: malformed bytes give undefined, never an exception. */
export function decodeWakuMessage(bytes: Uint8Array): WakuMessage | undefined {
  try {
    return WakuMessage.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Deterministic message hash (14/WAKU2-MESSAGE, "Deterministic message hashing"):
 * sha256(pubsub_topic || payload || content_topic || meta || timestamp as 8-byte big-endian), where an absent
 * optional attribute is left out of the concatenation, as the RFC says for `meta` and js-waku does for both
 * `meta` and `timestamp`. A timestamp of 0 counts as absent, as in js-waku (proto3 encoders do not write a
 * 0 either, so a 0 never travels). (nwaku hashes 8 zero bytes for a missing timestamp; Parley always sets
 * one, so every implementation agrees on what we send.) Pinned by test/relay/message-hash-vectors.test.ts.
 */
export function messageHash(pubsubTopic: string, message: WakuMessage): Uint8Array {
  const h = sha256.create().update(utf8(pubsubTopic)).update(message.payload).update(utf8(message.contentTopic));
  if (message.meta) h.update(message.meta);
  if (message.timestamp !== undefined && message.timestamp !== 0n) {
    const ts = new Uint8Array(8);
    new DataView(ts.buffer).setBigInt64(0, BigInt.asIntN(64, message.timestamp));
    h.update(ts);
  }
  return h.digest();
}

/** Gossipsub message id as Waku Relay defines it: sha256 of the encoded WakuMessage. */
export function relayMessageId(data: Uint8Array): Uint8Array {
  return sha256(data);
}

export const NS_PER_MS = 1_000_000n;

/** Waku timestamps are Unix nanoseconds; the Delivery interface speaks milliseconds. */
export function nsToMs(ns: bigint | undefined): number {
  return ns === undefined ? 0 : Number(ns / NS_PER_MS);
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * NS_PER_MS;
}

/**
 * Strictly increasing timestamps from a millisecond clock, in nanoseconds but always whole milliseconds:
 * two messages with the same payload sent in the same millisecond still get different message ids (gossipsub
 * would drop the second as a duplicate), and js-waku, which holds timestamps as a `Date`, recomputes the same
 * message hash (a sub-millisecond part would be lost there and change the hash).
 */
export class MonotonicNs {
  private last = 0n;
  constructor(private readonly nowMs: () => number) {}
  next(): bigint {
    const now = msToNs(this.nowMs());
    this.last = now > this.last ? now : this.last + NS_PER_MS;
    return this.last;
  }
}
