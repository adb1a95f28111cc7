/**
 * Double Ratchet state: plain immutable data. Every transition returns a new object, so a caller that rejects
 * a message simply keeps the old state (nothing to roll back).
 */

import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import type { X25519KeyPair } from "../../crypto/provider.js";
import { RatchetError } from "./errors.js";

/** A message key kept for a message that has not arrived yet (out of order or lost). */
export interface SkippedKey {
  /** The remote ratchet public key of the chain the key belongs to. */
  readonly dh: Uint8Array;
  readonly n: number;
  readonly messageKey: Uint8Array;
  /** When the key was derived (ms), for expiry by age. */
  readonly createdAt: number;
}

/** A finished receiving chain: keys 0..end-1 were derived, so any other header for it is a replay or bogus. */
export interface PastChain {
  readonly dh: Uint8Array;
  readonly end: number;
}

export interface RatchetState {
  readonly rootKey: Uint8Array;
  readonly sendChainKey: Uint8Array | undefined;
  readonly recvChainKey: Uint8Array | undefined;
  /** Our current ratchet key pair. */
  readonly dhSelf: X25519KeyPair;
  /** The peer's current ratchet public key. */
  readonly dhRemote: Uint8Array | undefined;
  /** Ns, Nr, PN of the Signal specification. */
  readonly sendN: number;
  readonly recvN: number;
  readonly prevN: number;
  /** Oldest first. */
  readonly skipped: readonly SkippedKey[];
  /** Most recent last. */
  readonly pastChains: readonly PastChain[];
}

/** Format version of `serializeRatchetState` (Parley's own layout; libchat's v1 lacks ages and past chains). */
export const RATCHET_STATE_VERSION = 1;

const FLAG_SEND = 1;
const FLAG_RECV = 2;
const FLAG_REMOTE = 4;

export function serializeRatchetState(state: RatchetState): Uint8Array {
  return writeRatchetState(new ByteWriter(), state).finish();
}

/** Writes what `serializeRatchetState` returns into `w` (a parent state's writer: no buffer of its own). */
export function writeRatchetState<W extends ByteWriter>(w: W, state: RatchetState): W {
  w.u8(RATCHET_STATE_VERSION);
  let flags = 0;
  if (state.sendChainKey) flags |= FLAG_SEND;
  if (state.recvChainKey) flags |= FLAG_RECV;
  if (state.dhRemote) flags |= FLAG_REMOTE;
  w.u8(flags).raw(state.rootKey);
  if (state.sendChainKey) w.raw(state.sendChainKey);
  if (state.recvChainKey) w.raw(state.recvChainKey);
  w.raw(state.dhSelf.secretKey).raw(state.dhSelf.publicKey);
  if (state.dhRemote) w.raw(state.dhRemote);
  w.u32(state.sendN).u32(state.recvN).u32(state.prevN);
  w.u32(state.skipped.length);
  for (const k of state.skipped) w.raw(k.dh).u32(k.n).uint(k.createdAt).raw(k.messageKey);
  return w.cached(pastChainBytes, state.pastChains, writePastChains);
}

/**
 * Encoded lists of past chains, by list: the list stays the same object from one state to the next until the
 * next DH ratchet step, and holds up to 32 chains. Lists and chains are immutable, so the bytes cannot go stale.
 */
const pastChainBytes = new WeakMap<readonly PastChain[], Uint8Array | null>();

function writePastChains(w: ByteWriter, pastChains: readonly PastChain[]): void {
  w.u32(pastChains.length);
  for (const c of pastChains) w.raw(c.dh).u32(c.end);
}

export type DeserializeRatchetResult =
  | { readonly ok: true; readonly state: RatchetState }
  | { readonly ok: false; readonly error: RatchetError };

/** Total: never throws; any malformed input gives `bad-state`. */
export function deserializeRatchetState(bytes: Uint8Array): DeserializeRatchetResult {
  try {
    const r = new ByteReader(bytes);
    if (r.u8() !== RATCHET_STATE_VERSION) return bad("unknown ratchet state version");
    const flags = r.u8();
    if (flags & ~(FLAG_SEND | FLAG_RECV | FLAG_REMOTE)) return bad("unknown ratchet state flags");
    const rootKey = r.raw(32);
    const sendChainKey = flags & FLAG_SEND ? r.raw(32) : undefined;
    const recvChainKey = flags & FLAG_RECV ? r.raw(32) : undefined;
    const dhSelf = { secretKey: r.raw(32), publicKey: r.raw(32) };
    const dhRemote = flags & FLAG_REMOTE ? r.raw(32) : undefined;
    const sendN = r.u32();
    const recvN = r.u32();
    const prevN = r.u32();
    const skipped: SkippedKey[] = [];
    for (let i = r.count(76); i > 0; i--) {
      skipped.push({ dh: r.raw(32), n: r.u32(), createdAt: r.uint(), messageKey: r.raw(32) });
    }
    const pastChains: PastChain[] = [];
    for (let i = r.count(36); i > 0; i--) pastChains.push({ dh: r.raw(32), end: r.u32() });
    if (!r.done) return bad("trailing bytes in ratchet state");
    return {
      ok: true,
      state: { rootKey, sendChainKey, recvChainKey, dhSelf, dhRemote, sendN, recvN, prevN, skipped, pastChains },
    };
  } catch (e) {
    if (e instanceof TruncatedInput) return bad("truncated ratchet state");
    throw e;
  }
}

function bad(message: string): DeserializeRatchetResult {
  return { ok: false, error: new RatchetError("bad-state", message) };
}
