/**
 * At-rest encryption of the values (WebCrypto). A random 256-bit data key encrypts every value with
 * AES-256-GCM; the data key is stored wrapped (AES-256-GCM) under a key-encryption key derived from the
 * passphrase with PBKDF2-HMAC-SHA256 and a random salt. A passphrase change would rewrap one record, not
 * re-encrypt the profile. Each value is bound to its place: the associated data is the namespace and key, so
 * a value moved to another key (or namespace) no longer decrypts.
 *
 * Keys and namespaces stay in clear: IndexedDB orders and ranges them. They hold ids (conversation ids,
 * message ids, counters), never message text or key material.
 */
import { concatBytes, utf8, zeroize } from "@parley/core";
import { SubtlePrimitives, type WebCryptoKey } from "@parley/core/web";
import { IdbStoreError } from "./errors.js";

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; about 0.3 s in Chromium on this project's machines. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

const NONCE = 12;
const DATA_KEY_AAD = utf8("parley-idb-v1/data-key");
const VALUE_AAD = utf8("parley-idb-v1/value");

export interface KdfParams {
  readonly salt: Uint8Array;
  readonly iterations: number;
}

/** What the format record keeps about encryption (nothing secret: the data key is wrapped). */
export interface SealedKey {
  readonly kdf: KdfParams;
  readonly wrappedKey: Uint8Array;
}

let shared: SubtlePrimitives | undefined;
const subtle = () => (shared ??= new SubtlePrimitives());

function random(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Namespace and key as UTF-16 code units (a lone surrogate stays distinct, unlike in UTF-8), length-prefixed. */
function placeOf(ns: string, key: string): Uint8Array {
  const out = new Uint8Array(4 + 2 * (ns.length + key.length));
  new DataView(out.buffer).setUint32(0, ns.length);
  const text = ns + key;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[4 + 2 * i] = c >> 8;
    out[5 + 2 * i] = c & 0xff;
  }
  return out;
}

export class ValueCipher {
  private constructor(private readonly key: WebCryptoKey) {}

  /** A new profile: a fresh data key, wrapped under the passphrase. */
  static async create(passphrase: string, iterations: number): Promise<{ cipher: ValueCipher; sealed: SealedKey }> {
    const kdf = { salt: random(16), iterations };
    const dataKey = random(32);
    try {
      const kek = await ValueCipher.kek(passphrase, kdf);
      const nonce = random(NONCE);
      const wrapped = await subtle().aesGcmSeal(kek, nonce, dataKey, DATA_KEY_AAD);
      const cipher = new ValueCipher(await subtle().aesGcmKey(dataKey));
      return { cipher, sealed: { kdf, wrappedKey: concatBytes(nonce, wrapped) } };
    } finally {
      zeroize(dataKey);
    }
  }

  /** An existing profile: unwraps the data key; a wrong passphrase fails the tag check. */
  static async unlock(passphrase: string, sealed: SealedKey): Promise<ValueCipher> {
    const kek = await ValueCipher.kek(passphrase, sealed.kdf);
    let dataKey: Uint8Array;
    try {
      dataKey = await subtle().aesGcmOpen(
        kek,
        sealed.wrappedKey.subarray(0, NONCE),
        sealed.wrappedKey.subarray(NONCE),
        DATA_KEY_AAD,
      );
    } catch {
      throw new IdbStoreError("wrong-passphrase", "the passphrase does not open this profile");
    }
    try {
      return new ValueCipher(await subtle().aesGcmKey(dataKey));
    } finally {
      zeroize(dataKey);
    }
  }

  private static async kek(passphrase: string, kdf: KdfParams): Promise<WebCryptoKey> {
    const raw = await subtle().pbkdf2Sha256(passphrase, kdf.salt, kdf.iterations, 32);
    try {
      return await subtle().aesGcmKey(raw);
    } finally {
      zeroize(raw);
    }
  }

  /** nonce || AES-256-GCM(value) with the value's place as associated data. */
  async seal(ns: string, key: string, value: Uint8Array): Promise<Uint8Array> {
    const nonce = random(NONCE);
    const aad = concatBytes(VALUE_AAD, placeOf(ns, key));
    return concatBytes(nonce, await subtle().aesGcmSeal(this.key, nonce, value, aad));
  }

  async open(ns: string, key: string, sealed: Uint8Array): Promise<Uint8Array> {
    const aad = concatBytes(VALUE_AAD, placeOf(ns, key));
    try {
      return await subtle().aesGcmOpen(this.key, sealed.subarray(0, NONCE), sealed.subarray(NONCE), aad);
    } catch {
      throw new IdbStoreError("corrupt", "a stored value does not decrypt under this profile's key");
    }
  }
}
