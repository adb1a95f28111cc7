import { type CryptoProvider, NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { describe, expect, it } from "vitest";

const providers: CryptoProvider[] = [new NobleCryptoProvider(), new NodeCryptoProvider()];

// libchat core/double-ratchets/src/hkdf.rs (libchat-digest §4.1).
describe.each(providers)("libchat KDF vectors ($name)", (c) => {
  it("KDF_RK: HKDF over HMAC-BLAKE2b-512, info DoubleRatchetRootKey", () => {
    const rk = new Uint8Array(32).fill(0x11);
    const dh = new Uint8Array(32).fill(0x22);
    const out = c.hkdf("blake2b512", dh, rk, utf8("DoubleRatchetRootKey"), 64);
    expect(toHex(out.subarray(0, 32))).toBe("fc9578d127d1febbe6650a4899f2662b0eaf987abc757499a9f454eface44b9e");
    expect(toHex(out.subarray(32))).toBe("b3b2f4b09190379095772fd09ae64e432ac8da59c7d88a255da14ece557834d4");
  });

  it("KDF_CK: keyed BLAKE2b-256 with personalization mk / ck", () => {
    const ck = new Uint8Array(32).fill(0xff);
    const mk = c.blake2b(new Uint8Array(0), { dkLen: 32, key: ck, personalization: utf8("mk") });
    const next = c.blake2b(new Uint8Array(0), { dkLen: 32, key: ck, personalization: utf8("ck") });
    expect(toHex(mk)).toBe("da847bbfc87a352d0071a00e742f7cc1dad55603475f964d94f41524da334576");
    expect(toHex(next)).toBe("96f5434af30901f4851325d50b4882b79b019a34386cc1a721d0be10acfaa847");
  });
});
