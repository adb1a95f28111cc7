import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode, concatBytes, utf8 } from "../../../src/base/bytes.js";
import {
  ACCOUNT_ADDRESS_PREFIX,
  type AccountAddress,
  encodeAccountAddress,
  MAX_ADDRESS_CHARS,
  makeAccountAddress,
  parseAccountAddress,
} from "../../../src/identity/account/address.js";
import { MAX_DEVICE_NAME_BYTES, MAX_DEVICES, signDeviceList } from "../../../src/identity/account/device-list.js";
import { AccountAddressSchema, create, SignedDeviceListSchema, toBinary } from "../../../src/wire/index.js";
import { account, code, crypto, device, LOW_ORDER } from "./fixtures.js";

const owner = account();
const phoneKeys = crypto.x25519GenerateKeyPair();
const laptopKeys = crypto.x25519GenerateKeyPair();
const bundleKey = crypto.x25519GenerateKeyPair().publicKey;
const phone = { installationKey: phoneKeys.publicKey, name: "phone", addedAt: 1_000 };
const laptop = { installationKey: laptopKeys.publicKey, name: "laptop", addedAt: 2_000 };
const list = signDeviceList(crypto, owner, 4n, [phone, laptop]);
const address = makeAccountAddress(crypto, phoneKeys.secretKey, bundleKey, list);
const text = encodeAccountAddress(address);

function parse(t: string): string | undefined {
  return code(parseAccountAddress(crypto, t));
}

/** An address encoded from any fields (no checks), as a forger would build one. */
function rawAddress(a: Partial<AccountAddress> & { noList?: boolean }): string {
  const l = a.deviceList ?? list;
  const proto = create(AccountAddressSchema, {
    deviceList: a.noList ? undefined : create(SignedDeviceListSchema, { deviceList: l.bytes, signature: l.signature }),
    installationKey: a.installationKey ?? address.installationKey,
    ephemeralKey: a.ephemeralKey ?? address.ephemeralKey,
    signature: a.signature ?? address.signature,
  });
  return ACCOUNT_ADDRESS_PREFIX + base64urlEncode(toBinary(AccountAddressSchema, proto));
}

function consent(secret: Uint8Array, accountKey: Uint8Array, ephemeral: Uint8Array): Uint8Array {
  return crypto.xeddsaSign(secret, concatBytes(utf8(ACCOUNT_ADDRESS_PREFIX), accountKey, ephemeral));
}

describe("account address", () => {
  it("round-trips: the list, the device reached and its bundle key", () => {
    expect(text.startsWith("parley_account_1_")).toBe(true);
    const back = parseAccountAddress(crypto, text);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.deviceList.bytes).toEqual(list.bytes);
    expect(back.value.deviceList.list.version).toBe(4n);
    expect(back.value.installationKey).toEqual(phoneKeys.publicKey);
    expect(back.value.ephemeralKey).toEqual(bundleKey);
    expect(encodeAccountAddress(back.value)).toBe(text);
  });

  it("tolerates whitespace and line breaks anywhere (a wrapped address)", () => {
    const wrapped = `  ${text.match(/.{1,60}/g)!.join("\n    ")}\r\n`;
    expect(parse(wrapped)).toBeUndefined();
    expect(parse(text.replace(/(.{7})/g, "$1 "))).toBeUndefined();
  });

  it("a device makes an address only for an account whose list names it", () => {
    const stranger = crypto.x25519GenerateKeyPair();
    expect(() => makeAccountAddress(crypto, stranger.secretKey, bundleKey, list)).toThrow(
      expect.objectContaining({ code: "address-device-not-listed" }),
    );
    expect(() => makeAccountAddress(crypto, phoneKeys.secretKey, LOW_ORDER, list)).toThrow(
      expect.objectContaining({ code: "address-bad-key" }),
    );
  });

  it("the longest list still fits the length bound", () => {
    const devices = Array.from({ length: MAX_DEVICES }, (_, i) => ({
      ...device("x".repeat(MAX_DEVICE_NAME_BYTES)),
      addedAt: Number.MAX_SAFE_INTEGER - i,
    }));
    const big = signDeviceList(crypto, owner, (1n << 64n) - 1n, [...devices.slice(1), phone]);
    const t = encodeAccountAddress(makeAccountAddress(crypto, phoneKeys.secretKey, bundleKey, big));
    expect(t.length).toBeLessThanOrEqual(MAX_ADDRESS_CHARS);
    expect(parse(t)).toBeUndefined();
  });
});

describe("account address: every refusal", () => {
  it("address-missing-prefix, address-too-long, address-bad-base64", () => {
    expect(parse(text.slice(ACCOUNT_ADDRESS_PREFIX.length))).toBe("address-missing-prefix");
    expect(parse(text.replace("parley_account_1_", "parley_account_2_"))).toBe("address-missing-prefix");
    expect(parse("")).toBe("address-missing-prefix");
    expect(parse(ACCOUNT_ADDRESS_PREFIX + "A".repeat(MAX_ADDRESS_CHARS))).toBe("address-too-long");
    expect(parse(`x${" ".repeat(5 * MAX_ADDRESS_CHARS)}`)).toBe("address-too-long");
    expect(parse(`${text}=`)).toBe("address-bad-base64");
    expect(parse(`${text.slice(0, 40)}+${text.slice(41)}`)).toBe("address-bad-base64");
  });

  it("address-bad-proto: not a protobuf, not canonical, no device list", () => {
    expect(parse(ACCOUNT_ADDRESS_PREFIX + base64urlEncode(Uint8Array.of(0xff, 0xff)))).toBe("address-bad-proto");
    const bytes = base64urlDecode(text.slice(ACCOUNT_ADDRESS_PREFIX.length))!;
    expect(parse(ACCOUNT_ADDRESS_PREFIX + base64urlEncode(concatBytes(bytes, Uint8Array.of(0x28, 0x01))))).toBe(
      "address-bad-proto",
    );
    expect(parse(rawAddress({ noList: true }))).toBe("address-bad-proto");
  });

  it("a refused device list is refused with its own code", () => {
    const forged = { ...list, signature: signDeviceList(crypto, owner, 5n, [phone]).signature };
    expect(parse(rawAddress({ deviceList: forged }))).toBe("device-list-bad-signature");
  });

  it("address-bad-key: low-order, short or non-canonical installation or bundle keys", () => {
    expect(parse(rawAddress({ ephemeralKey: LOW_ORDER }))).toBe("address-bad-key");
    expect(parse(rawAddress({ ephemeralKey: bundleKey.slice(0, 31) }))).toBe("address-bad-key");
    expect(parse(rawAddress({ installationKey: LOW_ORDER }))).toBe("address-bad-key");
    const topBit = bundleKey.slice();
    topBit[31]! |= 0x80;
    expect(parse(rawAddress({ ephemeralKey: topBit }))).toBe("address-bad-key");
  });

  it("address-device-not-listed: a real device signing for an account that does not list it", () => {
    const stranger = crypto.x25519GenerateKeyPair();
    const signature = consent(stranger.secretKey, owner.publicKey, bundleKey);
    expect(parse(rawAddress({ installationKey: stranger.publicKey, signature }))).toBe("address-device-not-listed");
  });

  it("address-bad-signature: flipped bits, another listed device, the intro bundle's signature, another account", () => {
    for (const i of [0, 31, 32, 63]) {
      const signature = address.signature.slice();
      signature[i]! ^= 1;
      expect(parse(rawAddress({ signature }))).toBe("address-bad-signature");
    }
    expect(parse(rawAddress({ installationKey: laptopKeys.publicKey }))).toBe("address-bad-signature");
    const introSig = crypto.xeddsaSign(phoneKeys.secretKey, concatBytes(utf8("logos_chatintro_1_"), bundleKey));
    expect(parse(rawAddress({ signature: introSig }))).toBe("address-bad-signature");
    expect(parse(rawAddress({ signature: address.signature.slice(0, 63) }))).toBe("address-bad-signature");
    // An account that names someone else's device cannot reuse that device's consent given to another account.
    const thief = account();
    const thiefList = signDeviceList(crypto, thief, 1n, [phone]);
    expect(parse(rawAddress({ deviceList: thiefList }))).toBe("address-bad-signature");
    const ownConsent = consent(phoneKeys.secretKey, thief.publicKey, bundleKey);
    expect(parse(rawAddress({ deviceList: thiefList, signature: ownConsent }))).toBeUndefined();
  });
});

describe("account address: properties", () => {
  const bytes = base64urlDecode(text.slice(ACCOUNT_ADDRESS_PREFIX.length))!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  it("any single-byte change is refused", () => {
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = bytes.slice();
        changed[at]! ^= flip;
        expect(parseAccountAddress(crypto, ACCOUNT_ADDRESS_PREFIX + base64urlEncode(changed)).ok).toBe(false);
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it("any single-character change of the text is refused", () => {
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.nat({ max: 63 }), (at, c) => {
        const replacement = alphabet[c]!;
        fc.pre(text[at] !== replacement);
        expect(parse(text.slice(0, at) + replacement + text.slice(at + 1))).toBeDefined();
      }),
      { numRuns: 300, seed: 20 },
    );
  });

  it("never throws on arbitrary text or payloads", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 60 }), (payload, junk) => {
        expect(parse(ACCOUNT_ADDRESS_PREFIX + base64urlEncode(payload))).toBeDefined();
        expect(parse(junk)).toBeDefined();
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
