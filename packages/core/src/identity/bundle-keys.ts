import { fromHex, fromUtf8, toHex, utf8 } from "../base/bytes.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { Installation } from "./installation.js";
import { encodeIntroBundle, signIntroBundle } from "./intro-bundle.js";
import { keyRef } from "./keys.js";

/**
 * How long a published bundle stays usable. libchat deletes a bundle key after one invite (single use); we
 * default to a reusable key that expires, so a bundle printed on a card or a web page keeps working, and
 * offer single use for those who prefer that forward secrecy for the responder's pre-message key.
 */
export interface BundlePolicy {
  /** Bundle keys older than this are deleted and refused. Default 30 days. */
  readonly lifetimeMs: number;
  /** Delete the bundle key after the first accepted invite. Default false. */
  readonly singleUse: boolean;
}

export const DEFAULT_BUNDLE_POLICY: BundlePolicy = { lifetimeMs: 30 * 24 * 3600 * 1000, singleUse: false };

/** The secret half of a published bundle (the responder's Noise pre-message ephemeral). */
export interface BundleKey {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  /** 4-byte recipient key reference carried in the handshake. */
  readonly keyRef: Uint8Array;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly singleUse: boolean;
  /** The bundle text handed out for this key. */
  readonly bundle: string;
}

export function createBundleKey(
  crypto: CryptoProvider,
  installation: Installation,
  policy: BundlePolicy,
  now: number,
): BundleKey {
  const kp = crypto.x25519GenerateKeyPair();
  const bundle = encodeIntroBundle(signIntroBundle(crypto, installation.secretKey, kp.publicKey));
  return {
    publicKey: kp.publicKey,
    secretKey: kp.secretKey,
    keyRef: keyRef(crypto, kp.publicKey),
    createdAt: now,
    expiresAt: now + policy.lifetimeMs,
    singleUse: policy.singleUse,
    bundle,
  };
}

export function isExpired(key: BundleKey, now: number): boolean {
  return now >= key.expiresAt;
}

/** Store key: key_ref first so the responder finds candidates with one prefix scan. */
export function bundleKeyId(key: Pick<BundleKey, "keyRef" | "publicKey">): string {
  return `${toHex(key.keyRef)}:${toHex(key.publicKey)}`;
}

export function encodeBundleKey(k: BundleKey): Uint8Array {
  return utf8(
    JSON.stringify({
      v: 1,
      pk: toHex(k.publicKey),
      sk: toHex(k.secretKey),
      ref: toHex(k.keyRef),
      at: k.createdAt,
      exp: k.expiresAt,
      once: k.singleUse,
      bundle: k.bundle,
    }),
  );
}

export function decodeBundleKey(bytes: Uint8Array): BundleKey | undefined {
  try {
    const o = JSON.parse(fromUtf8(bytes) ?? "");
    const publicKey = fromHex(o.pk);
    const secretKey = fromHex(o.sk);
    const ref = fromHex(o.ref);
    if (o.v !== 1 || publicKey?.length !== 32 || secretKey?.length !== 32 || ref?.length !== 4) return undefined;
    return {
      publicKey,
      secretKey,
      keyRef: ref,
      createdAt: Number(o.at),
      expiresAt: Number(o.exp),
      singleUse: o.once === true,
      bundle: String(o.bundle),
    };
  } catch {
    return undefined;
  }
}
