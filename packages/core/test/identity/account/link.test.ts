import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode, concatBytes, toHex, utf8 } from "../../../src/base/bytes.js";
import { encodeLinkCode, LINK_CODE_PREFIX, parseLinkCode } from "../../../src/identity/account/link-code.js";
import { linkSas, SAS_WORD_COUNT, sameSas } from "../../../src/identity/account/sas.js";
import { SAS_WORDS } from "../../../src/identity/account/words.js";
import { createBundleKey, DEFAULT_BUNDLE_POLICY } from "../../../src/identity/bundle-keys.js";
import { createInstallation } from "../../../src/identity/installation.js";
import { type IntroBundle, parseIntroBundle, signIntroBundle } from "../../../src/identity/intro-bundle.js";
import { inboxInitiate, inboxRespond } from "../../../src/primitives/noise/inbox.js";
import { code, crypto, LOW_ORDER } from "./fixtures.js";

/** A new device: its installation, a bundle key and the link code it shows. */
function newDevice() {
  const installation = createInstallation(crypto, 0);
  const key = createBundleKey(crypto, installation, DEFAULT_BUNDLE_POLICY, 0);
  const parsed = parseIntroBundle(crypto, key.bundle);
  if (!parsed.ok) throw parsed.error;
  return { installation, key, bundle: parsed.bundle, code: encodeLinkCode(crypto, parsed.bundle) };
}

const fresh = newDevice();

function parse(t: string): string | undefined {
  return code(parseLinkCode(crypto, t));
}

/** A code with the given body and a correct checksum: reaches the rules behind the checksum. */
function withChecksum(body: Uint8Array): string {
  const sum = crypto.blake2b(body, { dkLen: 4, personalization: utf8("parley-link-code") });
  return LINK_CODE_PREFIX + base64urlEncode(concatBytes(body, sum));
}

function body(b: IntroBundle): Uint8Array {
  return concatBytes(b.installationKey, b.ephemeralKey, b.signature);
}

describe("link code", () => {
  it("carries the new device's intro bundle: 190 characters, round trip", () => {
    expect(fresh.code.startsWith("parley_link_1_")).toBe(true);
    expect(fresh.code).toHaveLength(190);
    const back = parseLinkCode(crypto, fresh.code);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value).toEqual(fresh.bundle);
    expect(back.value.installationKey).toEqual(fresh.installation.publicKey);
    expect(back.value.ephemeralKey).toEqual(fresh.key.publicKey);
  });

  it("tolerates whitespace and line breaks anywhere", () => {
    expect(parse(`\n  ${fresh.code.slice(0, 80)}\n  ${fresh.code.slice(80)}  \n`)).toBeUndefined();
  });

  it("refuses each damage with its code", () => {
    expect(parse(fresh.code.slice(LINK_CODE_PREFIX.length))).toBe("link-missing-prefix");
    expect(parse(fresh.code.replace("parley_link_1_", "parley_link_2_"))).toBe("link-missing-prefix");
    expect(parse(`${fresh.code}A`)).toBe("link-bad-length");
    expect(parse(`${fresh.code.slice(0, -4)}`)).toBe("link-bad-length");
    expect(parse(`${fresh.code.slice(0, -1)}=`)).toBe("link-bad-base64");
    expect(parse(`${fresh.code.slice(0, 30)}/${fresh.code.slice(31)}`)).toBe("link-bad-base64");
    const bytes = base64urlDecode(fresh.code.slice(LINK_CODE_PREFIX.length))!;
    bytes[40]! ^= 4;
    expect(parse(LINK_CODE_PREFIX + base64urlEncode(bytes))).toBe("link-bad-checksum");
    expect(parse(withChecksum(body({ ...fresh.bundle, ephemeralKey: LOW_ORDER })))).toBe("link-bad-key");
    expect(parse(withChecksum(body({ ...fresh.bundle, installationKey: new Uint8Array(32) })))).toBe("link-bad-key");
    const other = newDevice().bundle;
    expect(parse(withChecksum(body({ ...fresh.bundle, ephemeralKey: other.ephemeralKey })))).toBe("link-bad-signature");
    const sig = signIntroBundle(crypto, fresh.installation.secretKey, other.ephemeralKey).signature;
    expect(parse(withChecksum(body({ ...fresh.bundle, ephemeralKey: other.ephemeralKey, signature: sig })))).toBe(
      undefined,
    );
  });

  it("any single-byte change is refused", () => {
    const bytes = base64urlDecode(fresh.code.slice(LINK_CODE_PREFIX.length))!;
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = bytes.slice();
        changed[at]! ^= flip;
        expect(parse(LINK_CODE_PREFIX + base64urlEncode(changed))).toBeDefined();
      }),
      { numRuns: 200, seed: 22 },
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 40 }), (payload, junk) => {
        expect(parse(LINK_CODE_PREFIX + base64urlEncode(payload))).toBeDefined();
        expect(parse(junk)).toBeDefined();
      }),
      { numRuns: 200, seed: 23 },
    );
  });
});

/** The primary runs the InboxV1 handshake to a bundle; the device holding `responder` answers it. */
function handshake(
  bundle: IntroBundle,
  responder: {
    installation: { publicKey: Uint8Array; secretKey: Uint8Array };
    key: { publicKey: Uint8Array; secretKey: Uint8Array };
  },
) {
  const primary = crypto.x25519GenerateKeyPair();
  const sent = inboxInitiate(crypto, {
    initiatorStatic: primary,
    responderStatic: bundle.installationKey,
    responderEphemeral: bundle.ephemeralKey,
    payload: utf8("link"),
  });
  const got = inboxRespond(crypto, {
    responderStatic: responder.installation,
    responderEphemeral: responder.key,
    message: sent.message,
  });
  if (!got.ok) throw got.error;
  return { primary: linkSas(crypto, sent.handshakeHash), device: linkSas(crypto, got.handshakeHash) };
}

describe("link confirmation words (SAS)", () => {
  it("both sides of a real link handshake show the same six words", () => {
    const parsed = parseLinkCode(crypto, fresh.code);
    if (!parsed.ok) throw parsed.error;
    const { primary, device } = handshake(parsed.value, fresh);
    expect(primary.words).toHaveLength(SAS_WORD_COUNT);
    expect(primary.text).toBe(device.text);
    expect(sameSas(primary, device)).toBe(true);
    for (const w of primary.words) expect(SAS_WORDS).toContain(w);
  });

  it("a code swapped in transit gives the primary other words than the new device shows", () => {
    // The attacker shows the primary its own code and runs its own handshake with the real device.
    const attacker = newDevice();
    const toAttacker = handshake(attacker.bundle, attacker).primary;
    const toDevice = handshake(fresh.bundle, fresh).device;
    expect(sameSas(toAttacker, toDevice)).toBe(false);
    expect(toAttacker.text).not.toBe(toDevice.text);
  });

  it("property: equal for one transcript, different for a different one", () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(hash, fc.nat({ max: 31 }), fc.integer({ min: 1, max: 255 }), (h, at, flip) => {
        expect(sameSas(linkSas(crypto, h), linkSas(crypto, h.slice()))).toBe(true);
        const other = h.slice();
        other[at]! ^= flip;
        expect(sameSas(linkSas(crypto, h), linkSas(crypto, other))).toBe(false);
      }),
      { numRuns: 300, seed: 24 },
    );
  });

  it("is BLAKE2b-48 of the hash personalised 'parley-link-sas', one word per byte", () => {
    const h = Uint8Array.from({ length: 32 }, (_, i) => i);
    const bytes = crypto.blake2b(h, { dkLen: 6, personalization: utf8("parley-link-sas") });
    expect(linkSas(crypto, h).words).toEqual(Array.from(bytes, (b) => SAS_WORDS[b]));
  });
});

describe("the word list", () => {
  it("has 256 distinct lowercase words, none a prefix of another, no two sharing four first letters", () => {
    expect(SAS_WORDS).toHaveLength(256);
    expect(new Set(SAS_WORDS).size).toBe(256);
    expect(new Set(SAS_WORDS.map((w) => w.slice(0, 4))).size).toBe(256);
    expect(SAS_WORDS.filter((w) => !/^[a-z]{3,8}$/.test(w))).toEqual([]);
    expect(SAS_WORDS.filter((w) => SAS_WORDS.some((v) => v !== w && v.startsWith(w)))).toEqual([]);
  });

  it("is frozen: its hash is pinned (a change would make two versions show different words)", () => {
    expect(toHex(crypto.sha256(utf8(SAS_WORDS.join("\n"))))).toBe(
      "1a856aff7dfb939240ed4607c1f12ed23c3235684f6af70fa013cf28d5018ef4",
    );
  });
});
