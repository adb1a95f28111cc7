/**
 * The Double Ratchet key derivations exactly as libchat's `double-ratchets` crate (libchat-digest §2.6), so
 * that its KDF vectors reproduce and a libchat peer derives the same keys.
 */
import { utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

/** libchat's root-KDF info (its `PrivateV1RootKey` domain exists but is unused, so interop needs this one). */
export const DOUBLE_RATCHET_ROOT_INFO = utf8("DoubleRatchetRootKey");
/** The PRIVATE1 spec's root-KDF info, for peers that follow the spec text rather than libchat. */
export const PRIVATE_V1_ROOT_INFO = utf8("PrivateV1RootKey");

const MK_PERSONAL = utf8("mk");
const CK_PERSONAL = utf8("ck");
const EMPTY = new Uint8Array(0);

export interface RootStep {
  readonly rootKey: Uint8Array;
  readonly chainKey: Uint8Array;
}

export interface ChainStep {
  readonly messageKey: Uint8Array;
  readonly chainKey: Uint8Array;
}

/** KDF_RK: HKDF over HMAC-BLAKE2b-512 (salt = root key, IKM = DH output), 64 bytes split 32/32. */
export function kdfRoot(
  crypto: CryptoProvider,
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
  info: Uint8Array = DOUBLE_RATCHET_ROOT_INFO,
): RootStep {
  const okm = crypto.hkdf("blake2b512", dhOutput, rootKey, info, 64);
  const step = { rootKey: okm.slice(0, 32), chainKey: okm.slice(32, 64) };
  okm.fill(0);
  return step;
}

/** KDF_CK: keyed BLAKE2b-256 of the empty message, key = chain key, personalization "mk" / "ck". */
export function kdfChain(crypto: CryptoProvider, chainKey: Uint8Array): ChainStep {
  return { messageKey: kdfMessageKey(crypto, chainKey), chainKey: kdfChainKey(crypto, chainKey) };
}

/** The "ck" half of KDF_CK: the next chain key. Walking a chain needs only this half. */
export function kdfChainKey(crypto: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return crypto.blake2b(EMPTY, { dkLen: 32, key: chainKey, personalization: CK_PERSONAL });
}

/** The "mk" half of KDF_CK: the message key at the chain key's position. */
export function kdfMessageKey(crypto: CryptoProvider, chainKey: Uint8Array): Uint8Array {
  return crypto.blake2b(EMPTY, { dkLen: 32, key: chainKey, personalization: MK_PERSONAL });
}
