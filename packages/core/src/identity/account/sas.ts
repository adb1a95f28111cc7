import { constantTimeEqual, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { SAS_WORDS } from "./words.js";

export const SAS_WORD_COUNT = 6;
const PERSONAL = utf8("parley-link-sas");

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
  const bytes = crypto.blake2b(handshakeHash, { dkLen: SAS_WORD_COUNT, personalization: PERSONAL });
  const words = Array.from(bytes, (b) => SAS_WORDS[b]!);
  return { bytes, words, text: words.join(" ") };
}

/**
 * Whether two confirmation strings are the same, for a caller that compares them itself (words typed back
 * rather than read): in constant time, so the time taken never tells a guesser how much of a guess was right.
 */
export function sameSas(a: LinkSas, b: LinkSas): boolean {
  return constantTimeEqual(a.bytes, b.bytes);
}
