/**
 * Noise CipherState (Noise spec §5.1): a 32-byte key k and a 64-bit counter n, under the suite's cipher
 * (ChaChaPoly by default). A failed decryption leaves n unchanged (spec §5.1), so a forged message cannot
 * desynchronize the channel.
 */
import { CryptoError } from "../../crypto/errors.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { NoiseError } from "./errors.js";
import { DEFAULT_NOISE_SUITE, type NoiseCipher } from "./suite.js";

const MAX_NONCE = 2n ** 64n - 1n; // reserved for rekey

export class CipherState {
  #k: Uint8Array | undefined;
  #n: bigint;

  constructor(
    private readonly crypto: CryptoProvider,
    key?: Uint8Array,
    nonce = 0n,
    readonly cipher: NoiseCipher = DEFAULT_NOISE_SUITE.cipher,
  ) {
    this.#k = key === undefined ? undefined : key.slice();
    this.#n = nonce;
  }

  /** InitializeKey(key): sets k and resets n to zero. */
  initializeKey(key: Uint8Array | undefined): void {
    this.#k = key === undefined ? undefined : key.slice();
    this.#n = 0n;
  }

  hasKey(): boolean {
    return this.#k !== undefined;
  }

  get nonce(): bigint {
    return this.#n;
  }

  setNonce(nonce: bigint): void {
    this.#n = nonce;
  }

  clone(): CipherState {
    return new CipherState(this.crypto, this.#k, this.#n, this.cipher);
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return plaintext.slice();
    if (this.#n >= MAX_NONCE) throw new NoiseError("nonce-exhausted", "CipherState nonce exhausted");
    const out = this.cipher.encrypt(this.crypto, this.#k, this.#n, ad, plaintext);
    this.#n += 1n;
    return out;
  }

  /** Throws NoiseError("decrypt-failed") and leaves the state untouched when authentication fails. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return ciphertext.slice();
    if (this.#n >= MAX_NONCE) throw new NoiseError("nonce-exhausted", "CipherState nonce exhausted");
    let out: Uint8Array;
    try {
      out = this.cipher.decrypt(this.crypto, this.#k, this.#n, ad, ciphertext);
    } catch (e) {
      if (e instanceof CryptoError) throw new NoiseError("decrypt-failed", "Noise message failed authentication");
      throw e;
    }
    this.#n += 1n;
    return out;
  }

  /** Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64 - 1, empty, 32 zero bytes). */
  rekey(): void {
    if (this.#k === undefined) return;
    const next = this.cipher.encrypt(this.crypto, this.#k, MAX_NONCE, new Uint8Array(0), new Uint8Array(32));
    this.#k.fill(0);
    this.#k = next.slice(0, 32);
  }

  /** Overwrites the key (best effort). */
  destroy(): void {
    this.#k?.fill(0);
    this.#k = undefined;
  }
}
