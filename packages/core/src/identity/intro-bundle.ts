import { base64urlDecode, base64urlEncode, concatBytes, utf8 } from "../base/bytes.js";
import type { CryptoProvider } from "../crypto/provider.js";
import {
  create,
  fromBinary,
  type IntroBundle as IntroBundleProto,
  IntroBundleSchema,
  toBinary,
} from "../wire/index.js";
import { IntroBundleError } from "./errors.js";
import { isLowOrderX25519 } from "./keys.js";

/** Text prefix of an introduction bundle (Introduction Bundle Encoding v1, namespace `chatintro`). */
export const INTRO_BUNDLE_PREFIX = "logos_chatintro_1_";
const PREFIX_BYTES = utf8(INTRO_BUNDLE_PREFIX);

/** What a recipient publishes so that anyone can start a conversation with it. */
export interface IntroBundle {
  /** X25519 installation public key (the identity). */
  readonly installationKey: Uint8Array;
  /** X25519 bundle key: the responder's Noise pre-message ephemeral. */
  readonly ephemeralKey: Uint8Array;
  /** XEdDSA by the installation key over `"logos_chatintro_1_" || ephemeralKey`. */
  readonly signature: Uint8Array;
}

export type ParsedBundle =
  | { readonly ok: true; readonly bundle: IntroBundle }
  | { readonly ok: false; readonly error: IntroBundleError };

function signedMessage(ephemeralKey: Uint8Array): Uint8Array {
  return concatBytes(PREFIX_BYTES, ephemeralKey);
}

export function signIntroBundle(
  crypto: CryptoProvider,
  installationSecret: Uint8Array,
  ephemeralKey: Uint8Array,
): IntroBundle {
  return {
    installationKey: crypto.x25519PublicKey(installationSecret),
    ephemeralKey,
    signature: crypto.xeddsaSign(installationSecret, signedMessage(ephemeralKey)),
  };
}

/** `logos_chatintro_1_` + base64url without padding of the `IntroBundle` protobuf (libchat's text form). */
export function encodeIntroBundle(bundle: IntroBundle): string {
  const proto = create(IntroBundleSchema, {
    installationPubkey: bundle.installationKey,
    ephemeralPubkey: bundle.ephemeralKey,
    signature: bundle.signature,
  });
  return INTRO_BUNDLE_PREFIX + base64urlEncode(toBinary(IntroBundleSchema, proto));
}

function fail(code: IntroBundleError["code"], message: string): ParsedBundle {
  return { ok: false, error: new IntroBundleError(code, message) };
}

/**
 * Total parser: every malformed or forged bundle yields a typed error, checked in wire order (prefix,
 * base64url, protobuf, lengths, key validity, signature). Surrounding whitespace is tolerated because bundles
 * are pasted by people.
 */
export function parseIntroBundle(crypto: CryptoProvider, text: string): ParsedBundle {
  const trimmed = text.trim();
  if (!trimmed.startsWith(INTRO_BUNDLE_PREFIX)) return fail("bundle-missing-prefix", "not a logos_chatintro_1_ bundle");
  const bytes = base64urlDecode(trimmed.slice(INTRO_BUNDLE_PREFIX.length));
  if (!bytes) return fail("bundle-bad-base64", "bundle payload is not base64url without padding");
  let proto: IntroBundleProto;
  try {
    proto = fromBinary(IntroBundleSchema, bytes);
  } catch {
    return fail("bundle-bad-proto", "bundle payload is not an IntroBundle protobuf");
  }
  if (proto.installationPubkey.length !== 32 || proto.ephemeralPubkey.length !== 32)
    return fail("bundle-bad-key-length", "bundle keys must be 32 bytes");
  if (proto.signature.length !== 64) return fail("bundle-bad-signature-length", "bundle signature must be 64 bytes");
  if (isLowOrderX25519(crypto, proto.installationPubkey) || isLowOrderX25519(crypto, proto.ephemeralPubkey))
    return fail("bundle-low-order-key", "bundle carries a low-order key");
  if (!verifies(crypto, proto)) return fail("bundle-bad-signature", "bundle signature does not verify");
  return {
    ok: true,
    bundle: {
      installationKey: proto.installationPubkey,
      ephemeralKey: proto.ephemeralPubkey,
      signature: proto.signature,
    },
  };
}

function verifies(crypto: CryptoProvider, proto: IntroBundleProto): boolean {
  try {
    return crypto.xeddsaVerify(proto.installationPubkey, signedMessage(proto.ephemeralPubkey), proto.signature);
  } catch {
    return false;
  }
}
