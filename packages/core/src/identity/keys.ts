import { concatBytes, utf8 } from "../base/bytes.js";
import { CryptoError } from "../crypto/errors.js";
import type { CryptoProvider } from "../crypto/provider.js";

/**
 * Any clamped X25519 scalar is a multiple of 8, so its product with a point of order dividing 8 is the
 * identity: DH against a fixed scalar yields all zeros exactly for the low-order (and non-canonical
 * equivalents of low-order) public keys. Cheaper to get right than a blocklist.
 */
const PROBE_SCALAR = new Uint8Array(32).fill(0x5a);

export function isLowOrderX25519(crypto: CryptoProvider, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return true;
  try {
    crypto.x25519(PROBE_SCALAR, publicKey);
    return false;
  } catch (e) {
    if (e instanceof CryptoError && e.code === "low-order-point") return true;
    throw e;
  }
}

const WAP = utf8("WAP");

/** Recipient key identifier (INBOX RKI): BLAKE2b-512("WAP" || public key), first 4 bytes. */
export function keyRef(crypto: CryptoProvider, publicKey: Uint8Array): Uint8Array {
  return crypto.blake2b(concatBytes(WAP, publicKey), { dkLen: 64 }).slice(0, 4);
}
