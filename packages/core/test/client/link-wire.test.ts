/**
 * The bytes of linking over the network (client/link-wire.ts, identity/account/sas.ts): the four link payloads
 * and both sides' records round-trip and their decoders are total (a typed error or undefined, never a throw
 * of anything else); the commitment opens only with its nonce; the words are BLAKE2b-48 of binding ‖ nP ‖ nD
 * personalised "parley-link-sas2" and change with each of the three.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/base/bytes.js";
import { ClientError } from "../../src/client/errors.js";
import {
  decodeDeviceLink,
  decodeLinkPayload,
  decodePending,
  decodePrimaryLink,
  encodeDeviceLink,
  encodeLinkPayload,
  encodePending,
  encodePrimaryLink,
  LINK_PAYLOAD_PREFIX,
  type LinkPayload,
} from "../../src/client/link-wire.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { linkCommitment, linkWords, opensCommitment } from "../../src/identity/account/sas.js";
import { SAS_WORDS } from "../../src/identity/account/words.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("link-wire") });
const b32 = () => crypto.randomBytes(32);

function decodes(bytes: Uint8Array): LinkPayload | string {
  try {
    return decodeLinkPayload(bytes);
  } catch (e) {
    if (e instanceof ClientError) return e.code;
    throw e;
  }
}

describe("link payloads", () => {
  const payloads: LinkPayload[] = [
    { kind: "commit", commitment: b32() },
    { kind: "nonce", nonce: b32() },
    { kind: "reveal", nonce: b32() },
    { kind: "offer", list: crypto.randomBytes(90) },
  ];

  it("round-trip, each kind under its own byte after the prefix", () => {
    payloads.forEach((p, i) => {
      const bytes = encodeLinkPayload(p);
      expect(bytes[LINK_PAYLOAD_PREFIX.length]).toBe(i + 1);
      expect(decodeLinkPayload(bytes)).toEqual(p);
    });
  });

  it("a nonce or commitment of another size, an unknown kind, an empty offer: link-payload-malformed", () => {
    for (const p of payloads.slice(0, 3)) {
      const bytes = encodeLinkPayload(p);
      expect(decodes(bytes.slice(0, -1))).toBe("link-payload-malformed");
      expect(decodes(Uint8Array.of(...bytes, 0))).toBe("link-payload-malformed");
    }
    const n = LINK_PAYLOAD_PREFIX.length;
    for (const kind of [0, 5, 255])
      expect(decodes(Uint8Array.of(...LINK_PAYLOAD_PREFIX, kind, ...b32()))).toBe("link-payload-malformed");
    expect(decodes(Uint8Array.of(...LINK_PAYLOAD_PREFIX, 4))).toBe("link-payload-malformed");
    expect(decodes(LINK_PAYLOAD_PREFIX.slice(0, n - 1))).toBe("link-payload-malformed");
  });

  it("is total over any bytes after the prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
        const r = decodes(Uint8Array.of(...LINK_PAYLOAD_PREFIX, ...tail));
        if (typeof r === "string") expect(r).toBe("link-payload-malformed");
      }),
    );
  });
});

describe("link records", () => {
  const device = { conversationId: "c".repeat(36), commitment: b32(), nonce: b32(), sas: undefined };
  const primary = { conversationId: "d".repeat(36), device: b32(), bundleKey: b32(), nonce: b32(), sas: undefined };

  it("round-trip with and without the words", () => {
    for (const sas of [undefined, crypto.randomBytes(6)]) {
      expect(decodeDeviceLink(encodeDeviceLink({ ...device, sas }))).toEqual({ ...device, sas });
      expect(decodePrimaryLink(encodePrimaryLink({ ...primary, sas }))).toEqual({ ...primary, sas });
    }
    const key = b32();
    expect(decodePending(encodePending(key))).toEqual(key);
    // The mark a device of the version before wrote: no bundle key, so no link over it.
    expect(decodePending(utf8("1"))).toBeUndefined();
  });

  it("every truncation or extension reads as undefined, never throws", () => {
    const all: [Uint8Array, (b: Uint8Array) => unknown][] = [
      [encodeDeviceLink({ ...device, sas: crypto.randomBytes(6) }), decodeDeviceLink],
      [encodePrimaryLink({ ...primary, sas: crypto.randomBytes(6) }), decodePrimaryLink],
      [encodePending(b32()), decodePending],
    ];
    for (const [bytes, decode] of all) {
      for (let n = 0; n < bytes.length; n++) expect(decode(bytes.slice(0, n))).toBeUndefined();
      expect(decode(Uint8Array.of(...bytes, 0))).toBeUndefined();
      const other = bytes.slice();
      other[0] = 9;
      expect(decode(other)).toBeUndefined();
    }
  });
});

describe("commitment and words", () => {
  it("the commitment opens with its nonce only (any one bit flipped, or another length, does not)", () => {
    const nonce = b32();
    const c = linkCommitment(crypto, nonce);
    expect(c).toEqual(crypto.blake2b(nonce, { dkLen: 32, personalization: utf8("parley-link-cmt1") }));
    expect(opensCommitment(crypto, c, nonce)).toBe(true);
    for (let bit = 0; bit < 256; bit++) {
      const other = nonce.slice();
      other[bit >> 3]! ^= 1 << (bit & 7);
      expect(opensCommitment(crypto, c, other)).toBe(false);
    }
    expect(opensCommitment(crypto, c, nonce.subarray(0, 31))).toBe(false);
  });

  it("the words are BLAKE2b-48 of binding ‖ nP ‖ nD, personalised parley-link-sas2, and change with each", () => {
    const [binding, np, nd] = [utf8("a".repeat(36)), b32(), b32()];
    const sas = linkWords(crypto, binding, np, nd);
    const bytes = crypto.blake2b(Uint8Array.of(...binding, ...np, ...nd), {
      dkLen: 6,
      personalization: utf8("parley-link-sas2"),
    });
    expect(sas.words).toEqual(Array.from(bytes, (b) => SAS_WORDS[b]));
    expect(linkWords(crypto, utf8("b".repeat(36)), np, nd).text).not.toBe(sas.text);
    expect(linkWords(crypto, binding, b32(), nd).text).not.toBe(sas.text);
    expect(linkWords(crypto, binding, np, b32()).text).not.toBe(sas.text);
  });
});
