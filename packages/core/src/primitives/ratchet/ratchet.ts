/**
 * The Double Ratchet (Signal specification) with libchat's parameters: X25519, the KDFs of kdf.ts,
 * ChaCha20-Poly1305 with a random 12-byte nonce prepended, AAD = dh || n || pn.
 *
 * Every function is pure over `RatchetState`: it returns a new state and never mutates its input, so a
 * rejected message (tampered, replayed, too far ahead, unknown) leaves the caller's state exactly as it was.
 * Like libchat, a new sending key pair is generated lazily at the first send after a receiving ratchet step.
 */
import { constantTimeEqual, zeroize } from "../../base/bytes.js";
import { CryptoError } from "../../crypto/errors.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import { requireNotLowOrder } from "../../crypto/validate.js";
import { RatchetError, type RatchetErrorCode } from "./errors.js";
import {
  headerAad,
  RATCHET_NONCE_LENGTH,
  RATCHET_TAG_LENGTH,
  type RatchetHeader,
  type RatchetMessage,
} from "./header.js";
import { DOUBLE_RATCHET_ROOT_INFO, kdfChain, kdfChainKey, kdfMessageKey, kdfRoot } from "./kdf.js";
import { type ChainKeyAt, type ReceiverCache, sharedReceiverCache } from "./receiver-cache.js";
import type { RatchetState, SkippedKey } from "./state.js";

export interface DoubleRatchetOptions {
  readonly crypto: CryptoProvider;
  /** Root KDF info; default libchat's `DoubleRatchetRootKey`. */
  readonly rootInfo?: Uint8Array;
  /** Prefix of the AEAD associated data on every message (channel binding); default empty (libchat). */
  readonly associatedData?: Uint8Array;
  /** Most keys one chain may skip to reach a message; default 1000. */
  readonly maxSkip?: number;
  /** Most skipped keys kept over all chains; the oldest are dropped beyond it. Default 2 × maxSkip. */
  readonly maxSkippedKeys?: number;
  /** Skipped keys older than this (ms) are dropped at the next step; default 7 days. */
  readonly skippedKeyMaxAgeMs?: number;
  /** Finished receiving chains remembered to classify late headers as replays; default 32. */
  readonly maxPastChains?: number;
  /**
   * In-memory walks and budgets that keep unauthenticated headers cheap (receiver-cache.ts); default one cache
   * shared by the process. Never part of the state: losing it changes no result.
   */
  readonly receiverCache?: ReceiverCache;
}

export const DEFAULT_MAX_SKIP = 1000;
export const DEFAULT_SKIPPED_KEY_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_PAST_CHAINS = 32;

export interface EncryptResult {
  readonly state: RatchetState;
  readonly message: RatchetMessage;
}

/** The codes `decrypt` can fail with (never "cannot-send" or "bad-state": those are the sender's and the loader's). */
export type DecryptErrorCode = Exclude<RatchetErrorCode, "cannot-send" | "bad-state">;

export type DecryptResult =
  | { readonly ok: true; readonly state: RatchetState; readonly plaintext: Uint8Array }
  | { readonly ok: false; readonly error: RatchetError & { readonly code: DecryptErrorCode } };

const U32_MAX = 0xffffffff;

export class DoubleRatchet {
  readonly crypto: CryptoProvider;
  readonly rootInfo: Uint8Array;
  readonly associatedData: Uint8Array;
  readonly maxSkip: number;
  readonly maxSkippedKeys: number;
  readonly skippedKeyMaxAgeMs: number;
  readonly maxPastChains: number;
  readonly #cache: ReceiverCache;

  constructor(options: DoubleRatchetOptions) {
    this.crypto = options.crypto;
    this.rootInfo = options.rootInfo ?? DOUBLE_RATCHET_ROOT_INFO;
    this.associatedData = options.associatedData ?? new Uint8Array(0);
    this.maxSkip = options.maxSkip ?? DEFAULT_MAX_SKIP;
    this.maxSkippedKeys = options.maxSkippedKeys ?? 2 * this.maxSkip;
    this.skippedKeyMaxAgeMs = options.skippedKeyMaxAgeMs ?? DEFAULT_SKIPPED_KEY_MAX_AGE_MS;
    this.maxPastChains = options.maxPastChains ?? DEFAULT_MAX_PAST_CHAINS;
    this.#cache = options.receiverCache ?? sharedReceiverCache;
    for (const [name, v] of [
      ["maxSkip", this.maxSkip],
      ["maxSkippedKeys", this.maxSkippedKeys],
      ["maxPastChains", this.maxPastChains],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer`);
    }
  }

  /** The side that sends first (libchat `init_sender`): a fresh ratchet key against the peer's known key. */
  initSender(sharedSecret: Uint8Array, remoteDhPublic: Uint8Array): RatchetState {
    requireLength(sharedSecret, 32, "shared secret");
    requireLength(remoteDhPublic, 32, "remote ratchet key");
    const dhSelf = this.crypto.x25519GenerateKeyPair();
    const dh = this.crypto.x25519(dhSelf.secretKey, remoteDhPublic);
    const step = kdfRoot(this.crypto, sharedSecret, dh, this.rootInfo);
    zeroize(dh);
    return {
      rootKey: step.rootKey,
      sendChainKey: step.chainKey,
      recvChainKey: undefined,
      dhSelf,
      dhRemote: remoteDhPublic.slice(),
      sendN: 0,
      recvN: 0,
      prevN: 0,
      skipped: [],
      pastChains: [],
    };
  }

  /** The side whose key the sender used (libchat `init_receiver`): it can send only after it has received. */
  initReceiver(sharedSecret: Uint8Array, ownDhKeyPair: X25519KeyPair): RatchetState {
    requireLength(sharedSecret, 32, "shared secret");
    requireLength(ownDhKeyPair.secretKey, 32, "ratchet secret key");
    requireLength(ownDhKeyPair.publicKey, 32, "ratchet public key");
    return {
      rootKey: sharedSecret.slice(),
      sendChainKey: undefined,
      recvChainKey: undefined,
      dhSelf: { publicKey: ownDhKeyPair.publicKey.slice(), secretKey: ownDhKeyPair.secretKey.slice() },
      dhRemote: undefined,
      sendN: 0,
      recvN: 0,
      prevN: 0,
      skipped: [],
      pastChains: [],
    };
  }

  /**
   * Encrypts one message. `now` (ms), when given, also drops expired skipped keys. Throws
   * RatchetError("cannot-send") when the state has never received (a receiver before the first message).
   */
  encrypt(state: RatchetState, plaintext: Uint8Array, now?: number): EncryptResult {
    let s: RatchetState = now === undefined ? state : this.pruneExpired(state, now);
    if (!s.sendChainKey) {
      if (!s.dhRemote) throw new RatchetError("cannot-send", "no remote ratchet key yet: receive first");
      const dhSelf = this.crypto.x25519GenerateKeyPair();
      const dh = this.crypto.x25519(dhSelf.secretKey, s.dhRemote);
      const step = kdfRoot(this.crypto, s.rootKey, dh, this.rootInfo);
      zeroize(dh);
      s = { ...s, dhSelf, rootKey: step.rootKey, sendChainKey: step.chainKey, prevN: s.sendN, sendN: 0 };
    }
    if (s.sendN >= U32_MAX) throw new RatchetError("cannot-send", "sending chain exhausted");
    const { messageKey, chainKey } = kdfChain(this.crypto, s.sendChainKey!);
    const header: RatchetHeader = { dh: s.dhSelf.publicKey, n: s.sendN, pn: s.prevN };
    const nonce = this.crypto.randomBytes(RATCHET_NONCE_LENGTH);
    const sealed = this.crypto.aeadSeal(messageKey, nonce, plaintext, headerAad(header, this.associatedData));
    zeroize(messageKey);
    const ciphertext = new Uint8Array(nonce.length + sealed.length);
    ciphertext.set(nonce, 0);
    ciphertext.set(sealed, nonce.length);
    return {
      state: { ...s, sendChainKey: chainKey, sendN: s.sendN + 1 },
      message: { header: { ...header, dh: header.dh.slice() }, ciphertext },
    };
  }

  /**
   * Decrypts one message received at `now` (ms). Never throws on message input; on failure the caller keeps
   * its state (the input is never mutated). Expired skipped keys are dropped in the returned state.
   */
  decrypt(state: RatchetState, message: RatchetMessage, now: number): DecryptResult {
    const { header, ciphertext } = message;
    if (!(header.dh instanceof Uint8Array) || header.dh.length !== 32) {
      return fail("malformed-header", "ratchet key must be 32 bytes");
    }
    if (!isU32(header.n) || !isU32(header.pn)) return fail("malformed-header", "message numbers must be u32");
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length < RATCHET_NONCE_LENGTH + RATCHET_TAG_LENGTH) {
      return fail("auth-failed", "ciphertext too short");
    }

    // Expiry first, so an expired key can never decrypt; report it as such when it is the one asked for.
    const live: SkippedKey[] = [];
    let expiredHit = false;
    for (const k of state.skipped) {
      if (this.#isExpired(k, now)) {
        if (k.n === header.n && constantTimeEqual(k.dh, header.dh)) expiredHit = true;
      } else live.push(k);
    }

    const hit = live.findIndex((k) => k.n === header.n && constantTimeEqual(k.dh, header.dh));
    if (hit >= 0) {
      const plaintext = this.#open(live[hit]!.messageKey, header, ciphertext);
      if (!plaintext) return fail("auth-failed", "message authentication failed");
      live.splice(hit, 1);
      return { ok: true, state: { ...state, skipped: live }, plaintext };
    }
    if (expiredHit) return fail("expired", "the key for this message expired");

    const onCurrentChain = state.dhRemote !== undefined && constantTimeEqual(header.dh, state.dhRemote);
    if (onCurrentChain) {
      if (!state.recvChainKey) return fail("unknown-chain", "no receiving chain for this ratchet key");
      if (header.n < state.recvN) return fail("replay", "message key already used");
      return this.#receiveOnChain({ ...state, skipped: live }, header, ciphertext, now);
    }

    const past = state.pastChains.find((c) => constantTimeEqual(c.dh, header.dh));
    if (past) {
      return header.n < past.end
        ? fail("replay", "message key already used")
        : fail("unknown-chain", "position past the end of a finished chain");
    }
    if (constantTimeEqual(header.dh, state.dhSelf.publicKey)) return fail("unknown-chain", "header carries our key");
    return this.#receiveNewChain({ ...state, skipped: live }, header, ciphertext, now);
  }

  /** Drops skipped keys older than the configured age; returns the same object when nothing expired. */
  pruneExpired(state: RatchetState, now: number): RatchetState {
    const live = state.skipped.filter((k) => !this.#isExpired(k, now));
    return live.length === state.skipped.length ? state : { ...state, skipped: live };
  }

  #isExpired(k: SkippedKey, now: number): boolean {
    return now - k.createdAt > this.skippedKeyMaxAgeMs;
  }

  /**
   * A message on the current receiving chain, at or after recvN. Before the AEAD only chain keys are walked,
   * through the receiver cache (a second header on this chain walks nothing); the skipped message keys are
   * derived once the message is authentic.
   */
  #receiveOnChain(state: RatchetState, header: RatchetHeader, ciphertext: Uint8Array, now: number): DecryptResult {
    if (header.n - state.recvN > this.maxSkip) return fail("too-far-ahead", "too many skipped messages");
    const recvChainKey = state.recvChainKey!;
    const keyAt =
      header.n === state.recvN
        ? undefined
        : this.#cache.walks.walk(this.crypto, header.dh, state.recvN, recvChainKey, header.n);
    const chainKey = keyAt ? keyAt(header.n) : recvChainKey;
    const plaintext = this.#openAt(chainKey, header, ciphertext);
    if (!plaintext) return fail("auth-failed", "message authentication failed");
    const newSkipped = keyAt ? this.#skippedKeys(keyAt, state.recvN, header.n, header.dh, now) : [];
    return {
      ok: true,
      plaintext,
      state: {
        ...state,
        recvChainKey: kdfChainKey(this.crypto, chainKey),
        recvN: header.n + 1,
        skipped: this.#capSkipped([...state.skipped, ...newSkipped]),
      },
    };
  }

  /**
   * A header with a ratchet key this state has not seen: the peer's next ratchet key, or a forgery. Everything
   * that needs no key is checked first; the previous chain is finished only once the message is authentic.
   */
  #receiveNewChain(state: RatchetState, header: RatchetHeader, ciphertext: Uint8Array, now: number): DecryptResult {
    const finishing = state.recvChainKey !== undefined && state.dhRemote !== undefined;
    if (finishing && header.pn - state.recvN > this.maxSkip) {
      return fail("too-far-ahead", "too many skipped messages on the previous chain");
    }
    try {
      requireNotLowOrder(header.dh);
    } catch {
      return fail("low-order-key", "low-order key");
    }
    // The peer takes a new ratchet key only after it received one of ours it had not seen, i.e. after we sent
    // on our current key: until then (a DH step done, nothing sent since) no new key can be genuine.
    if (state.dhRemote !== undefined && state.sendChainKey === undefined) {
      return fail("unknown-chain", "no new ratchet key is possible before we send");
    }
    if (header.n > this.maxSkip) return fail("too-far-ahead", "too many skipped messages");
    const budget = this.#cache.budget;
    if (!budget.allows(state.dhSelf.publicKey, header.n, now, this.maxSkip)) {
      return fail("too-far-ahead", "too many unauthenticated new-chain steps recently: a first message this far waits");
    }

    let dh: Uint8Array;
    try {
      dh = this.crypto.x25519(state.dhSelf.secretKey, header.dh);
    } catch (e) {
      if (e instanceof CryptoError && e.code === "low-order-point") return fail("low-order-key", "low-order key");
      return fail("malformed-header", "unusable ratchet key");
    }
    const step = kdfRoot(this.crypto, state.rootKey, dh, this.rootInfo);
    zeroize(dh);
    // A new chain is walked outside the cache: a forger picks a fresh key each time, so nothing would be shared.
    const keys: Uint8Array[] = [step.chainKey];
    for (let n = 0; n < header.n; n++) keys.push(kdfChainKey(this.crypto, keys[n]!));
    const plaintext = this.#openAt(keys[header.n]!, header, ciphertext);
    if (!plaintext) {
      budget.charge(state.dhSelf.publicKey, header.n, now);
      for (const k of keys) zeroize(k);
      zeroize(step.rootKey);
      return fail("auth-failed", "message authentication failed");
    }

    let skipped = state.skipped;
    let pastChains = state.pastChains;
    if (finishing) {
      const dhRemote = state.dhRemote!;
      if (header.pn > state.recvN) {
        const keyAt = this.#cache.walks.walk(this.crypto, dhRemote, state.recvN, state.recvChainKey!, header.pn - 1);
        skipped = [...skipped, ...this.#skippedKeys(keyAt, state.recvN, header.pn, dhRemote, now)];
      }
      pastChains = [...pastChains, { dh: dhRemote, end: Math.max(state.recvN, header.pn) }].slice(-this.maxPastChains);
    }
    const newSkipped = this.#skippedKeys((n) => keys[n]!, 0, header.n, header.dh, now);
    const recvChainKey = kdfChainKey(this.crypto, keys[header.n]!);
    for (const k of keys) zeroize(k);
    return {
      ok: true,
      plaintext,
      state: {
        ...state,
        rootKey: step.rootKey,
        recvChainKey,
        dhRemote: header.dh.slice(),
        recvN: header.n + 1,
        sendChainKey: undefined,
        skipped: this.#capSkipped([...skipped, ...newSkipped]),
        pastChains,
      },
    };
  }

  /** The message keys of positions from..until-1 (authentic messages only: this is what a gap costs). */
  #skippedKeys(keyAt: ChainKeyAt, from: number, until: number, dh: Uint8Array, now: number): SkippedKey[] {
    const out: SkippedKey[] = [];
    for (let n = from; n < until; n++) {
      out.push({ dh: dh.slice(), n, messageKey: kdfMessageKey(this.crypto, keyAt(n)), createdAt: now });
    }
    return out;
  }

  /** Global cap: drop the oldest keys (the messages most likely lost for good). */
  #capSkipped(skipped: SkippedKey[]): SkippedKey[] {
    return skipped.length > this.maxSkippedKeys ? skipped.slice(skipped.length - this.maxSkippedKeys) : skipped;
  }

  /** Opens with the message key at `chainKey`'s position. */
  #openAt(chainKey: Uint8Array, header: RatchetHeader, ciphertext: Uint8Array): Uint8Array | undefined {
    const messageKey = kdfMessageKey(this.crypto, chainKey);
    const plaintext = this.#open(messageKey, header, ciphertext);
    zeroize(messageKey);
    return plaintext;
  }

  #open(messageKey: Uint8Array, header: RatchetHeader, ciphertext: Uint8Array): Uint8Array | undefined {
    const nonce = ciphertext.subarray(0, RATCHET_NONCE_LENGTH);
    try {
      return this.crypto.aeadOpen(
        messageKey,
        nonce,
        ciphertext.subarray(RATCHET_NONCE_LENGTH),
        headerAad(header, this.associatedData),
      );
    } catch {
      return undefined;
    }
  }
}

function fail(code: DecryptErrorCode, message: string): DecryptResult {
  return { ok: false, error: new RatchetError(code, message) as RatchetError & { readonly code: DecryptErrorCode } };
}

function isU32(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= U32_MAX;
}

function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RatchetError("malformed-header", `${what} must be ${length} bytes`);
  }
}
