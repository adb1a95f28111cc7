import { concatBytes, utf8 } from "../base/bytes.js";
import { CryptoError } from "../crypto/errors.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { requireNotLowOrder } from "../crypto/validate.js";

/**
 * True for keys of the wrong length and for the known low-order u-coordinates (and their non-canonical
 * encodings), the same fixed list the crypto layer refuses before any DH: no key exchange is run per bundle.
 * `_crypto` stays in the signature for callers; the check needs no provider.
 */
export function isLowOrderX25519(_crypto: CryptoProvider, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return true;
  try {
    requireNotLowOrder(publicKey);
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
