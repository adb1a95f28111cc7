import { concatBytes, constantTimeEqual, utf8, zeroize } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { type AccountKey, accountKeyFromSeed } from "./account-key.js";
import { type Parsed, refuse } from "./errors.js";

/**
 * The recovery code: the account key's 32-byte seed and a 3-byte checksum, 280 bits written as 56 characters
 * of Crockford's base32 in groups of four (`7KQ2-…`). Crockford's alphabet has no I, L, O or U, and reading
 * accepts lowercase and maps I and L to 1 and O to 0, so what a person copies by hand reads back. The checksum,
 * BLAKE2b-24 of the seed personalised "parley-recover-1", catches a typo before a wrong key is restored; a
 * later version of the code changes the personalisation or the length.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SEED_BYTES = 32;
const CHECKSUM_BYTES = 3;
const CODE_CHARS = ((SEED_BYTES + CHECKSUM_BYTES) * 8) / 5;
const GROUP = 4;
const PERSONAL = utf8("parley-recover-1");

/** Characters people confuse, read as the one the alphabet keeps. */
const READ_AS: Readonly<Record<string, string>> = { I: "1", L: "1", O: "0" };

function checksum(crypto: CryptoProvider, seed: Uint8Array): Uint8Array {
  return crypto.blake2b(seed, { dkLen: CHECKSUM_BYTES, personalization: PERSONAL });
}

/**
 * The code to show the user once. Byte buffers that held the seed are wiped here; the string itself cannot be
 * (JavaScript strings are immutable), so a caller shows it and drops it.
 */
export function encodeRecoveryCode(crypto: CryptoProvider, key: AccountKey): string {
  const sum = checksum(crypto, key.secretKey);
  const payload = concatBytes(key.secretKey, sum);
  let chars = "";
  let acc = 0;
  let bits = 0;
  for (const byte of payload) {
    acc = ((acc << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      chars += ALPHABET[(acc >> bits) & 31]!;
    }
  }
  zeroize(payload, sum);
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP) groups.push(chars.slice(i, i + GROUP));
  return groups.join("-");
}

/**
 * Total parser: the account key a recovery code holds, or `recovery-bad-character`, `recovery-bad-length` or
 * `recovery-bad-checksum`. Spaces, line breaks and dashes anywhere are ignored.
 */
export function restoreAccountKey(crypto: CryptoProvider, text: string): Parsed<AccountKey> {
  const compact = text.replace(/[\s-]+/g, "").toUpperCase();
  const values: number[] = [];
  for (const c of compact) {
    const v = ALPHABET.indexOf(READ_AS[c] ?? c);
    if (v < 0) return refuse("recovery-bad-character", "a recovery code holds only digits and letters");
    values.push(v);
  }
  if (values.length !== CODE_CHARS) return refuse("recovery-bad-length", `a recovery code is ${CODE_CHARS} characters`);
  const payload = new Uint8Array(SEED_BYTES + CHECKSUM_BYTES);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      payload[at++] = (acc >> bits) & 0xff;
    }
  }
  values.fill(0);
  const seed = payload.subarray(0, SEED_BYTES);
  const sum = checksum(crypto, seed);
  // The checksum is a function of the secret: compared in constant time.
  const ok = constantTimeEqual(sum, payload.subarray(SEED_BYTES));
  const key = ok ? accountKeyFromSeed(crypto, seed) : undefined;
  zeroize(payload, sum);
  return key ? { ok: true, value: key } : refuse("recovery-bad-checksum", "the recovery code has a typo");
}
