import type { CryptoProvider } from "../../crypto/provider.js";
import { isLowOrderX25519 } from "../keys.js";

/**
 * An X25519 public key the account formats accept: 32 bytes, canonical (top bit clear and u < p, so one key
 * has one byte string and a device cannot appear twice under two encodings) and not of low order.
 */
export function isUsableX25519Key(crypto: CryptoProvider, key: Uint8Array): boolean {
  if (key.length !== 32 || (key[31]! & 0x80) !== 0) return false;
  // u >= p = 2^255 - 19 only for 0x7f ff … ff followed by a low byte >= 0xed (little-endian).
  let high = key[31] === 0x7f;
  for (let i = 30; i >= 1 && high; i--) high = key[i] === 0xff;
  if (high && key[0]! >= 0xed) return false;
  return !isLowOrderX25519(crypto, key);
}

/** Bytewise order: the canonical order of devices in a list. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}
