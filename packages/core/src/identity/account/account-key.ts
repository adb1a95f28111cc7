import { zeroize } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

/**
 * The account key (docs/ACCOUNTS.md §2): an Ed25519 key pair that signs the account's device lists. It lives on
 * the primary device only, and in the recovery code the user may write down.
 */
export interface AccountKey {
  readonly publicKey: Uint8Array;
  /** The 32-byte Ed25519 seed. */
  readonly secretKey: Uint8Array;
}

export function createAccountKey(crypto: CryptoProvider): AccountKey {
  const pair = crypto.ed25519GenerateKeyPair();
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** The key pair of a known seed (a restored recovery code). The seed is copied: the caller may wipe its own. */
export function accountKeyFromSeed(crypto: CryptoProvider, seed: Uint8Array): AccountKey {
  const secretKey = seed.slice();
  return { publicKey: crypto.ed25519PublicKey(secretKey), secretKey };
}

/** Wipes the secret half once the key is no longer needed (best effort in a garbage-collected runtime). */
export function dropAccountKey(key: AccountKey): void {
  zeroize(key.secretKey);
}
