import { describe, expect, it } from "vitest";
import { base64urlEncode, concatBytes, utf8 } from "../../src/base/bytes.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import {
  createBundleKey,
  DEFAULT_BUNDLE_POLICY,
  decodeBundleKey,
  encodeBundleKey,
} from "../../src/identity/bundle-keys.js";
import { createInstallation, decodeInstallation, encodeInstallation } from "../../src/identity/installation.js";
import {
  encodeIntroBundle,
  INTRO_BUNDLE_PREFIX,
  type IntroBundle,
  parseIntroBundle,
  signIntroBundle,
} from "../../src/identity/intro-bundle.js";
import { keyRef } from "../../src/identity/keys.js";
import { create, IntroBundleSchema, toBinary } from "../../src/wire/index.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("intro-bundle-test") });

function freshBundle(): { bundle: IntroBundle; text: string; secret: Uint8Array } {
  const ik = crypto.x25519GenerateKeyPair();
  const ek = crypto.x25519GenerateKeyPair();
  const bundle = signIntroBundle(crypto, ik.secretKey, ek.publicKey);
  return { bundle, text: encodeIntroBundle(bundle), secret: ik.secretKey };
}

function rawText(fields: {
  installationPubkey?: Uint8Array;
  ephemeralPubkey?: Uint8Array;
  signature?: Uint8Array;
}): string {
  return INTRO_BUNDLE_PREFIX + base64urlEncode(toBinary(IntroBundleSchema, create(IntroBundleSchema, fields)));
}

function errorCode(text: string): string | undefined {
  const r = parseIntroBundle(crypto, text);
  return r.ok ? undefined : r.error.code;
}

// Order-8 point of Curve25519 (u-coordinate, little-endian).
const LOW_ORDER = Uint8Array.from([
  0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d,
  0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
]);

describe("intro bundle text form", () => {
  it("round-trips and has libchat's exact shape (197 characters, 134-byte proto)", () => {
    const { bundle, text } = freshBundle();
    expect(text.startsWith("logos_chatintro_1_")).toBe(true);
    expect(text.length).toBe(197);
    expect(text).not.toContain("=");
    const parsed = parseIntroBundle(crypto, text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.bundle.installationKey).toEqual(bundle.installationKey);
    expect(parsed.bundle.ephemeralKey).toEqual(bundle.ephemeralKey);
    expect(parsed.bundle.signature).toEqual(bundle.signature);
  });

  it("signs exactly 'logos_chatintro_1_' || ephemeral key with XEdDSA by the installation key", () => {
    const { bundle } = freshBundle();
    const message = concatBytes(utf8("logos_chatintro_1_"), bundle.ephemeralKey);
    expect(crypto.xeddsaVerify(bundle.installationKey, message, bundle.signature)).toBe(true);
    expect(crypto.xeddsaVerify(bundle.installationKey, bundle.ephemeralKey, bundle.signature)).toBe(false);
  });

  it("tolerates surrounding whitespace from copy and paste", () => {
    const { text } = freshBundle();
    expect(parseIntroBundle(crypto, `  ${text}\n`).ok).toBe(true);
  });

  it("rejects a missing or different prefix", () => {
    const { text } = freshBundle();
    const payload = text.slice(INTRO_BUNDLE_PREFIX.length);
    expect(errorCode(payload)).toBe("bundle-missing-prefix");
    expect(errorCode(`logos_chatintro_2_${payload}`)).toBe("bundle-missing-prefix");
    expect(errorCode("")).toBe("bundle-missing-prefix");
  });

  it("rejects bad base64url: padding, standard-alphabet characters, non-canonical tails", () => {
    const { text } = freshBundle();
    expect(errorCode(`${text}=`)).toBe("bundle-bad-base64");
    expect(errorCode(`${text}==`)).toBe("bundle-bad-base64");
    expect(errorCode(`${text.slice(0, -2)}+/`)).toBe("bundle-bad-base64");
    expect(errorCode(`${text.slice(0, 30)}!${text.slice(31)}`)).toBe("bundle-bad-base64");
    // 134 bytes encode to 178.67 characters: the last character carries stray bits that must be zero.
    const last = text.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const flipped = alphabet[(alphabet.indexOf(last) ^ 1) % 64]!;
    expect(errorCode(text.slice(0, -1) + flipped)).toBe("bundle-bad-base64");
    expect(errorCode(`${text}AA`)).toBe("bundle-bad-base64");
  });

  it("rejects a payload that is not an IntroBundle protobuf", () => {
    expect(errorCode(INTRO_BUNDLE_PREFIX + base64urlEncode(Uint8Array.from([0x0a, 0x40, 1, 2])))).toBe(
      "bundle-bad-proto",
    );
    expect(errorCode(INTRO_BUNDLE_PREFIX + base64urlEncode(Uint8Array.from([0xff, 0xff, 0xff])))).toBe(
      "bundle-bad-proto",
    );
  });

  it("rejects wrong key and signature lengths", () => {
    const { bundle } = freshBundle();
    const ok = {
      installationPubkey: bundle.installationKey,
      ephemeralPubkey: bundle.ephemeralKey,
      signature: bundle.signature,
    };
    expect(errorCode(rawText({ ...ok, installationPubkey: bundle.installationKey.slice(0, 31) }))).toBe(
      "bundle-bad-key-length",
    );
    expect(errorCode(rawText({ ...ok, ephemeralPubkey: concatBytes(bundle.ephemeralKey, Uint8Array.of(0)) }))).toBe(
      "bundle-bad-key-length",
    );
    expect(errorCode(rawText({ ...ok, ephemeralPubkey: new Uint8Array(0) }))).toBe("bundle-bad-key-length");
    expect(errorCode(rawText({ ...ok, signature: bundle.signature.slice(0, 63) }))).toBe("bundle-bad-signature-length");
    expect(errorCode(INTRO_BUNDLE_PREFIX)).toBe("bundle-bad-key-length");
  });

  it("rejects low-order installation or ephemeral keys even when the signature would verify", () => {
    const { bundle, secret } = freshBundle();
    const sig = crypto.xeddsaSign(secret, concatBytes(utf8(INTRO_BUNDLE_PREFIX), LOW_ORDER));
    expect(
      errorCode(rawText({ installationPubkey: bundle.installationKey, ephemeralPubkey: LOW_ORDER, signature: sig })),
    ).toBe("bundle-low-order-key");
    expect(
      errorCode(
        rawText({ installationPubkey: LOW_ORDER, ephemeralPubkey: bundle.ephemeralKey, signature: bundle.signature }),
      ),
    ).toBe("bundle-low-order-key");
    expect(
      errorCode(
        rawText({
          installationPubkey: new Uint8Array(32),
          ephemeralPubkey: bundle.ephemeralKey,
          signature: bundle.signature,
        }),
      ),
    ).toBe("bundle-low-order-key");
  });

  it("rejects forged bundles: swapped ephemeral key, other signer, flipped signature bit", () => {
    const a = freshBundle().bundle;
    const b = freshBundle().bundle;
    const enc = (x: IntroBundle) =>
      rawText({ installationPubkey: x.installationKey, ephemeralPubkey: x.ephemeralKey, signature: x.signature });
    expect(errorCode(enc({ ...a, ephemeralKey: b.ephemeralKey }))).toBe("bundle-bad-signature");
    expect(errorCode(enc({ ...a, installationKey: b.installationKey }))).toBe("bundle-bad-signature");
    for (const i of [0, 31, 32, 62, 63]) {
      const sig = a.signature.slice();
      sig[i]! ^= 0x01;
      expect(errorCode(enc({ ...a, signature: sig }))).toBe("bundle-bad-signature");
    }
    expect(errorCode(enc({ ...a, signature: new Uint8Array(64) }))).toBe("bundle-bad-signature");
    expect(errorCode(enc(a))).toBeUndefined();
  });

  it("never throws on arbitrary input", () => {
    const r = seededRandom("fuzz-bundles");
    for (let i = 0; i < 300; i++) {
      const bytes = r(r(1)[0]! % 160);
      const text = i % 2 ? INTRO_BUNDLE_PREFIX + base64urlEncode(bytes) : String.fromCharCode(...bytes);
      expect(() => parseIntroBundle(crypto, text)).not.toThrow();
      expect(parseIntroBundle(crypto, text).ok).toBe(false);
    }
  });
});

describe("installation and bundle key records", () => {
  it("round-trip through their store encodings", () => {
    const inst = createInstallation(crypto, 1_000);
    expect(decodeInstallation(encodeInstallation(inst))).toEqual(inst);
    const key = createBundleKey(crypto, inst, DEFAULT_BUNDLE_POLICY, 5_000);
    expect(decodeBundleKey(encodeBundleKey(key))).toEqual(key);
    expect(key.keyRef).toEqual(keyRef(crypto, key.publicKey));
    expect(key.expiresAt).toBe(5_000 + DEFAULT_BUNDLE_POLICY.lifetimeMs);
    const parsed = parseIntroBundle(crypto, key.bundle);
    expect(parsed.ok && parsed.bundle.installationKey).toEqual(inst.publicKey);
    expect(decodeInstallation(utf8("{}"))).toBeUndefined();
    expect(decodeBundleKey(utf8("not json"))).toBeUndefined();
  });

  it("key_ref is BLAKE2b-512('WAP' || key)[0..4]", () => {
    const k = crypto.x25519GenerateKeyPair().publicKey;
    expect(keyRef(crypto, k)).toEqual(crypto.blake2b(concatBytes(utf8("WAP"), k)).slice(0, 4));
    expect(keyRef(crypto, k).length).toBe(4);
  });
});
