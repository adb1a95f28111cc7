/**
 * Noise SymmetricState (Noise spec §5.2) over the hash of the suite its protocol name ends in. HKDF is RFC 5869
 * HKDF over HMAC-HASH with the chaining key as salt and an empty info, exactly Noise's HKDF: its outputs are
 * RFC 5869's T(1), T(2), T(3).
 */
import { concatBytes, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { CipherState } from "./cipher-state.js";
import { NoiseError } from "./errors.js";
import { type NoiseSuite, parseSuite } from "./suite.js";

export const DHLEN = 32;
const EMPTY = new Uint8Array(0);
/** `Noise_<pattern>_<suite>`: the suite is what follows the second underscore. */
const SUITE_OF_NAME = /^Noise_[^_]+_(.+)$/;

export class SymmetricState {
  readonly cipher: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  private constructor(
    private readonly crypto: CryptoProvider,
    readonly suite: NoiseSuite,
    ck: Uint8Array,
    h: Uint8Array,
    cipher: CipherState,
  ) {
    this.#ck = ck;
    this.#h = h;
    this.cipher = cipher;
  }

  /** InitializeSymmetric(protocol_name): the functions are those of the suite the name ends in. */
  static initialize(crypto: CryptoProvider, protocolName: string): SymmetricState {
    const suiteName = SUITE_OF_NAME.exec(protocolName)?.[1];
    if (suiteName === undefined) throw new NoiseError("unsupported-protocol", `not a Noise protocol name`);
    const suite = parseSuite(suiteName);
    const hashLen = suite.hash.hashLen;
    const name = utf8(protocolName);
    let h: Uint8Array;
    if (name.length <= hashLen) {
      h = new Uint8Array(hashLen);
      h.set(name);
    } else {
      h = suite.hash.hash(crypto, name);
    }
    return new SymmetricState(crypto, suite, h.slice(), h, new CipherState(crypto, undefined, 0n, suite.cipher));
  }

  /** HASHLEN of the suite. */
  get hashLen(): number {
    return this.suite.hash.hashLen;
  }

  clone(): SymmetricState {
    return new SymmetricState(this.crypto, this.suite, this.#ck.slice(), this.#h.slice(), this.cipher.clone());
  }

  get handshakeHash(): Uint8Array {
    return this.#h.slice();
  }

  #hkdf(ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
    const hashLen = this.hashLen;
    const okm = this.crypto.hkdf(this.suite.hash.hmac, ikm, this.#ck, EMPTY, hashLen * outputs);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < outputs; i++) parts.push(okm.slice(i * hashLen, (i + 1) * hashLen));
    okm.fill(0);
    return parts;
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = this.#hkdf(ikm, 2) as [Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    // With HASHLEN 64 the cipher key is the first 32 bytes.
    this.cipher.initializeKey(tempK.subarray(0, 32));
    tempK.fill(0);
  }

  mixHash(data: Uint8Array): void {
    this.#h = this.suite.hash.hash(this.crypto, concatBytes(this.#h, data));
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
