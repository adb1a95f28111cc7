/**
 * Noise SymmetricState (Noise spec §5.2) for the BLAKE2b hash: HASHLEN 64, HKDF = HMAC-BLAKE2b-512 HKDF with the
 * chaining key as salt and an empty info (exactly Noise's HKDF: its outputs are RFC 5869's T(1), T(2), T(3)).
 */
import { concatBytes, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { CipherState } from "./cipher-state.js";

export const HASHLEN = 64;
export const DHLEN = 32;
const EMPTY = new Uint8Array(0);

export class SymmetricState {
  readonly cipher: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  private constructor(
    private readonly crypto: CryptoProvider,
    ck: Uint8Array,
    h: Uint8Array,
    cipher: CipherState,
  ) {
    this.#ck = ck;
    this.#h = h;
    this.cipher = cipher;
  }

  /** InitializeSymmetric(protocol_name). */
  static initialize(crypto: CryptoProvider, protocolName: string): SymmetricState {
    const name = utf8(protocolName);
    let h: Uint8Array;
    if (name.length <= HASHLEN) {
      h = new Uint8Array(HASHLEN);
      h.set(name);
    } else {
      h = crypto.blake2b(name);
    }
    return new SymmetricState(crypto, h.slice(), h, new CipherState(crypto));
  }

  clone(): SymmetricState {
    return new SymmetricState(this.crypto, this.#ck.slice(), this.#h.slice(), this.cipher.clone());
  }

  get handshakeHash(): Uint8Array {
    return this.#h.slice();
  }

  #hkdf(ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
    const okm = this.crypto.hkdf("blake2b512", ikm, this.#ck, EMPTY, HASHLEN * outputs);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < outputs; i++) parts.push(okm.slice(i * HASHLEN, (i + 1) * HASHLEN));
    okm.fill(0);
    return parts;
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = this.#hkdf(ikm, 2) as [Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    // HASHLEN 64 > 32: the cipher key is the first 32 bytes.
    this.cipher.initializeKey(tempK.subarray(0, 32));
    tempK.fill(0);
  }

  mixHash(data: Uint8Array): void {
    this.#h = this.crypto.blake2b(concatBytes(this.#h, data));
  }

  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = this.#hkdf(ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    this.mixHash(tempH);
    this.cipher.initializeKey(tempK.subarray(0, 32));
    tempK.fill(0);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): the two transport keys (initiator→responder first), each the first 32 bytes of an HKDF output. */
  split(): [Uint8Array, Uint8Array] {
    const [k1, k2] = this.#hkdf(EMPTY, 2) as [Uint8Array, Uint8Array];
    const keys: [Uint8Array, Uint8Array] = [k1.slice(0, 32), k2.slice(0, 32)];
    k1.fill(0);
    k2.fill(0);
    return keys;
  }

  destroy(): void {
    this.#ck.fill(0);
    this.cipher.destroy();
  }
}
