import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/base/bytes.js";
import { privateV1Ids } from "../../src/conversations/private-v1/ids.js";
import { NobleCryptoProvider } from "../../src/crypto/index.js";

const crypto = new NobleCryptoProvider();

describe("PrivateV1 conversation ids (libchat L-PV1-CID)", () => {
  it("follow base = BLAKE2b(key=sk, 18, 'L-PV1-CID'); id = hex(BLAKE2b-144(base || role))", () => {
    const sk = Uint8Array.from({ length: 32 }, (_, i) => i);
    const personalization = new Uint8Array(16);
    personalization.set(new TextEncoder().encode("L-PV1-CID"));
    const base = blake2b(new Uint8Array(0), { key: sk, dkLen: 18, personalization });
    const id = (r: string) => toHex(blake2b(Uint8Array.from([...base, r.charCodeAt(0)]), { dkLen: 18 }));
    const i = privateV1Ids(crypto, sk, "initiator");
    const r = privateV1Ids(crypto, sk, "responder");
    expect(i).toEqual({ local: id("I"), remote: id("R") });
    expect(r).toEqual({ local: id("R"), remote: id("I") });
    expect(i.local).toMatch(/^[0-9a-f]{36}$/);
    expect(i.local).not.toBe(i.remote);
  });

  it("differ for different secrets", () => {
    const a = privateV1Ids(crypto, new Uint8Array(32).fill(1), "initiator");
    const b = privateV1Ids(crypto, new Uint8Array(32).fill(2), "initiator");
    expect(a.local).not.toBe(b.local);
  });
});
