import { concatBytes, constantTimeEqual, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { SAS_WORDS } from "./words.js";

export const SAS_WORD_COUNT = 6;
const PERSONAL = utf8("parley-link-sas");
/** Version 2 (the words of a link over the network): binding and both sides' nonces. */
const PERSONAL_2 = utf8("parley-link-sas2");
const COMMIT_PERSONAL = utf8("parley-link-cmt1");
/** Bytes of each side's link nonce. */
export const LINK_NONCE_BYTES = 32;

/**
 * The six-word confirmation string of a link (docs/ACCOUNTS.md §4): BLAKE2b-48 of the link handshake's hash,
 * personalised "parley-link-sas", one word of the 256 per byte: 48 bits, so a man in the middle who ran his
 * own handshake with each side shows matching words with probability 2^-48 per attempt, and he gets one.
 */
export interface LinkSas {
  readonly bytes: Uint8Array;
  readonly words: readonly string[];
  /** The words joined by spaces, as both screens show them. */
  readonly text: string;
}

/** Both devices compute this from the same handshake hash (the Noise `h` both sides hold after the handshake). */
export function linkSas(crypto: CryptoProvider, handshakeHash: Uint8Array): LinkSas {
  return sasOfBytes(crypto.blake2b(handshakeHash, { dkLen: SAS_WORD_COUNT, personalization: PERSONAL }));
}

/**
 * Whether two confirmation strings are the same, for a caller that compares them itself (words typed back
 * rather than read): in constant time, so the time taken never tells a guesser how much of a guess was right.
 */
export function sameSas(a: LinkSas, b: LinkSas): boolean {
  return constantTimeEqual(a.bytes, b.bytes);
}

/**
 * The primary's commitment to its link nonce (ZRTP-style): BLAKE2b-256 personalised "parley-link-cmt1". Sent
 * before the new device picks its own nonce, revealed after: neither side can choose its nonce knowing the
 * other's, so a man in the middle cannot search for a pair of handshakes whose words match.
 */
export function linkCommitment(crypto: CryptoProvider, nonce: Uint8Array): Uint8Array {
  return crypto.blake2b(nonce, { dkLen: 32, personalization: COMMIT_PERSONAL });
}

/** Whether `nonce` opens `commitment`, in constant time. */
export function opensCommitment(crypto: CryptoProvider, commitment: Uint8Array, nonce: Uint8Array): boolean {
  return nonce.length === LINK_NONCE_BYTES && constantTimeEqual(linkCommitment(crypto, nonce), commitment);
}

/**
 * The six words of a network link (docs/ACCOUNTS.md §4): BLAKE2b-48 personalised "parley-link-sas2" of the
 * link conversation's binding ‖ the primary's nonce ‖ the new device's nonce (each 32 bytes).
 */
export function linkWords(
  crypto: CryptoProvider,
  binding: Uint8Array,
  primaryNonce: Uint8Array,
  deviceNonce: Uint8Array,
): LinkSas {
  const input = concatBytes(binding, primaryNonce, deviceNonce);
  return sasOfBytes(crypto.blake2b(input, { dkLen: SAS_WORD_COUNT, personalization: PERSONAL_2 }));
}

/** The words of stored SAS bytes (6). */
export function sasOfBytes(bytes: Uint8Array): LinkSas {
  const words = Array.from(bytes, (b) => SAS_WORDS[b]!);
  return { bytes, words, text: words.join(" ") };
}
