import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../../src/base/bytes.js";
import {
  addDevice,
  DEVICE_LIST_DOMAIN,
  decodeSignedDeviceList,
  encodeDeviceList,
  encodeSignedDeviceList,
  MAX_DEVICES,
  removeDevice,
  signDeviceList,
  verifyDeviceList,
} from "../../../src/identity/account/device-list.js";
import { AccountError } from "../../../src/identity/account/errors.js";
import { account, code, crypto, device, LOW_ORDER, raw, rawSignedList } from "./fixtures.js";

const owner = account();
const phone = device("phone", 1_000);
const laptop = device("laptop", 2_000);
const signed = signDeviceList(crypto, owner, 1n, [phone, laptop]);

/** The code of the AccountError `f` throws. */
function thrown(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof AccountError) return e.code;
    throw e;
  }
  return undefined;
}

function verifyRaw(l: { bytes: Uint8Array; signature: Uint8Array }): string | undefined {
  return code(verifyDeviceList(crypto, l.bytes, l.signature));
}

describe("device list: signing and the canonical encoding", () => {
  it("round-trips through the transport form and keeps version, devices, names and times", () => {
    const back = decodeSignedDeviceList(crypto, encodeSignedDeviceList(signed));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.bytes).toEqual(signed.bytes);
    expect(back.value.list.accountKey).toEqual(owner.publicKey);
    expect(back.value.list.version).toBe(1n);
    expect(new Set(back.value.list.devices.map((d) => `${d.name}@${d.addedAt}`))).toEqual(
      new Set(["phone@1000", "laptop@2000"]),
    );
  });

  it("is canonical: the same devices in any order give the same bytes, sorted by installation key", () => {
    const again = signDeviceList(crypto, owner, 1n, [laptop, phone]);
    expect(again.bytes).toEqual(signed.bytes);
    expect(again.signature).toEqual(signed.signature);
    const keys = signed.list.devices.map((d) => Buffer.from(d.installationKey).toString("hex"));
    expect([...keys].sort()).toEqual(keys);
    expect(encodeDeviceList(signed.list)).toEqual(signed.bytes);
  });

  it("signs exactly 'parley-device-list-1' || the list bytes with the account key", () => {
    const message = concatBytes(utf8(DEVICE_LIST_DOMAIN), signed.bytes);
    expect(crypto.ed25519Verify(owner.publicKey, message, signed.signature)).toBe(true);
    expect(crypto.ed25519Verify(owner.publicKey, signed.bytes, signed.signature)).toBe(false);
  });

  it("adds and removes devices at version + 1, refusing a device already there or not there", () => {
    const tablet = device("tablet", 3_000);
    const two = addDevice(crypto, owner, signed.list, tablet);
    expect(two.list.version).toBe(2n);
    expect(two.list.devices).toHaveLength(3);
    const three = removeDevice(crypto, owner, two.list, phone.installationKey);
    expect(three.list.version).toBe(3n);
    expect(three.list.devices.map((d) => d.name).sort()).toEqual(["laptop", "tablet"]);
    expect(thrown(() => addDevice(crypto, owner, two.list, { ...phone, name: "again" }))).toBe(
      "device-list-duplicate-device",
    );
    expect(thrown(() => removeDevice(crypto, owner, three.list, phone.installationKey))).toBe(
      "device-list-unknown-device",
    );
    const last = { ...signed.list, version: (1n << 64n) - 1n };
    expect(thrown(() => addDevice(crypto, owner, last, tablet))).toBe("device-list-malformed");
  });

  it("a signer cannot make a list readers would refuse: it throws with the reader's code", () => {
    expect(thrown(() => signDeviceList(crypto, owner, 1n, []))).toBe("device-list-malformed");
    expect(thrown(() => signDeviceList(crypto, owner, -1n, [phone]))).toBe("device-list-malformed");
    expect(thrown(() => signDeviceList(crypto, owner, 1n << 64n, [phone]))).toBe("device-list-malformed");
    for (const addedAt of [-1, 1.5, Number.NaN, 2 ** 53])
      expect(thrown(() => signDeviceList(crypto, owner, 1n, [{ ...phone, addedAt }]))).toBe("device-list-malformed");
    expect(thrown(() => signDeviceList(crypto, owner, 1n, [phone, { ...laptop, name: "a\u202eb" }]))).toBe(
      "device-list-malformed",
    );
    expect(thrown(() => signDeviceList(crypto, owner, 1n, [{ ...phone, installationKey: LOW_ORDER }]))).toBe(
      "device-list-bad-device-key",
    );
    expect(thrown(() => signDeviceList(crypto, owner, 1n, [phone, { ...phone, name: "twin" }]))).toBe(
      "device-list-duplicate-device",
    );
  });
});

describe("device list: every refusal", () => {
  const ok = [raw(phone), raw(laptop)].sort((a, b) => Buffer.compare(a.installationKey, b.installationKey));

  it("accepts the crafted baseline (so each refusal below is due to its one change)", () => {
    expect(verifyRaw(rawSignedList(owner, { devices: ok }))).toBeUndefined();
  });

  it("device-list-malformed: not a protobuf, unknown or extra fields, non-minimal varints", () => {
    expect(code(verifyDeviceList(crypto, Uint8Array.of(0xff, 0xff, 0xff), new Uint8Array(64)))).toBe(
      "device-list-malformed",
    );
    // Field 9 (varint 1) after the list: protobuf would skip it, the canonical form refuses it.
    expect(verifyRaw(rawSignedList(owner, { devices: ok }, Uint8Array.of(0x48, 0x01)))).toBe("device-list-malformed");
    // Field 2 (version) written a second time: protobuf keeps the last, the canonical form refuses it.
    expect(verifyRaw(rawSignedList(owner, { devices: ok }, Uint8Array.of(0x10, 0x07)))).toBe("device-list-malformed");
    // Version 1 as a two-byte varint (0x81 0x00).
    const base = rawSignedList(owner, { version: 0n, devices: ok }).bytes;
    const padded = concatBytes(base, Uint8Array.of(0x10, 0x81, 0x00));
    expect(verifyRaw({ bytes: padded, signature: rawSignedList(owner, { devices: ok }).signature })).toBe(
      "device-list-malformed",
    );
  });

  it("device-list-malformed: no devices, too many, bad names, times out of range, devices out of order", () => {
    expect(verifyRaw(rawSignedList(owner, { devices: [] }))).toBe("device-list-malformed");
    const many = Array.from({ length: MAX_DEVICES + 1 }, (_, i) => raw(device(`d${i}`)));
    many.sort((a, b) => Buffer.compare(a.installationKey, b.installationKey));
    expect(verifyRaw(rawSignedList(owner, { devices: many }))).toBe("device-list-malformed");
    expect(verifyRaw(rawSignedList(owner, { devices: many.slice(0, MAX_DEVICES) }))).toBeUndefined();
    for (const name of [
      "",
      "x".repeat(65),
      "tab\there",
      "bell\u0007",
      "evil\u202etxt",
      "iso\u2066late",
      "é".repeat(33),
    ])
      expect(verifyRaw(rawSignedList(owner, { devices: [{ ...ok[0]!, name }] })), name).toBe("device-list-malformed");
    expect(verifyRaw(rawSignedList(owner, { devices: [{ ...ok[0]!, name: "é".repeat(32) }] }))).toBeUndefined();
    const late = { ...ok[0]!, addedAt: BigInt(Number.MAX_SAFE_INTEGER) + 1n };
    expect(verifyRaw(rawSignedList(owner, { devices: [late] }))).toBe("device-list-malformed");
    expect(verifyRaw(rawSignedList(owner, { devices: [ok[1]!, ok[0]!] }))).toBe("device-list-malformed");
  });

  it("device-list-malformed: a name that is not UTF-8", () => {
    const good = rawSignedList(owner, { devices: [{ ...ok[0]!, name: "ab" }] }).bytes;
    const at = Buffer.from(good).indexOf(Buffer.from("ab"));
    const bad = good.slice();
    bad[at] = 0xc3; // a lone lead byte: protobuf decodes it as U+FFFD, which re-encodes differently
    const sig = crypto.ed25519Sign(owner.secretKey, concatBytes(utf8(DEVICE_LIST_DOMAIN), bad));
    expect(verifyRaw({ bytes: bad, signature: sig })).toBe("device-list-malformed");
  });

  it("device-list-bad-account-key: wrong length, small order, non-canonical", () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f;
    for (const accountKey of [owner.publicKey.slice(0, 31), identity, nonCanonical, new Uint8Array(0)])
      expect(verifyRaw(rawSignedList(owner, { accountKey, devices: ok }))).toBe("device-list-bad-account-key");
  });

  it("device-list-bad-device-key: low order, wrong length, zero, top bit set, u >= p", () => {
    const topBit = ok[0]!.installationKey.slice();
    topBit[31]! |= 0x80;
    const aboveP = new Uint8Array(32).fill(0xff);
    aboveP[0] = 0xf0; // p + 3
    aboveP[31] = 0x7f;
    for (const installationKey of [LOW_ORDER, ok[0]!.installationKey.slice(0, 31), new Uint8Array(32), topBit, aboveP])
      expect(verifyRaw(rawSignedList(owner, { devices: [{ ...ok[0]!, installationKey }] }))).toBe(
        "device-list-bad-device-key",
      );
  });

  it("device-list-duplicate-device: the same key twice, next to each other or not", () => {
    expect(verifyRaw(rawSignedList(owner, { devices: [ok[0]!, { ...ok[0]!, name: "twin" }] }))).toBe(
      "device-list-duplicate-device",
    );
    expect(verifyRaw(rawSignedList(owner, { devices: [ok[0]!, ok[1]!, ok[0]!] }))).toBe("device-list-duplicate-device");
  });

  it("device-list-bad-signature: flipped bits, another account, no domain, wrong length", () => {
    for (const i of [0, 31, 32, 63]) {
      const sig = signed.signature.slice();
      sig[i]! ^= 1;
      expect(verifyRaw({ bytes: signed.bytes, signature: sig })).toBe("device-list-bad-signature");
    }
    const other = account();
    expect(verifyRaw({ bytes: signed.bytes, signature: crypto.ed25519Sign(other.secretKey, signed.bytes) })).toBe(
      "device-list-bad-signature",
    );
    expect(verifyRaw({ bytes: signed.bytes, signature: crypto.ed25519Sign(owner.secretKey, signed.bytes) })).toBe(
      "device-list-bad-signature",
    );
    expect(verifyRaw({ bytes: signed.bytes, signature: signed.signature.slice(0, 63) })).toBe(
      "device-list-bad-signature",
    );
  });

  it("device-list-wrong-account: a valid list of another account where this one's was expected", () => {
    expect(code(verifyDeviceList(crypto, signed.bytes, signed.signature, account().publicKey))).toBe(
      "device-list-wrong-account",
    );
    expect(code(verifyDeviceList(crypto, signed.bytes, signed.signature, owner.publicKey))).toBeUndefined();
  });

  it("the transport form is canonical too", () => {
    const wire = encodeSignedDeviceList(signed);
    expect(code(decodeSignedDeviceList(crypto, concatBytes(wire, Uint8Array.of(0x18, 0x01))))).toBe(
      "device-list-malformed",
    );
    expect(code(decodeSignedDeviceList(crypto, Uint8Array.of(0x0a, 0x05, 1)))).toBe("device-list-malformed");
  });
});

describe("device list: properties", () => {
  const wire = encodeSignedDeviceList(signed);

  it("any single-byte change of a signed list is refused", () => {
    fc.assert(
      fc.property(fc.nat({ max: wire.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = wire.slice();
        changed[at]! ^= flip;
        expect(decodeSignedDeviceList(crypto, changed).ok).toBe(false);
        const body = signed.bytes.slice();
        body[at % body.length]! ^= flip;
        expect(verifyDeviceList(crypto, body, signed.signature).ok).toBe(false);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it("never throws on arbitrary bytes, and accepts nothing unsigned", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeSignedDeviceList(crypto, bytes).ok).toBe(false);
        expect(verifyDeviceList(crypto, bytes, new Uint8Array(64)).ok).toBe(false);
      }),
      { numRuns: 300, seed: 16 },
    );
  });
});
