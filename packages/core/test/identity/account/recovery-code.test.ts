import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountKeyFromSeed, createAccountKey, dropAccountKey } from "../../../src/identity/account/account-key.js";
import { encodeRecoveryCode, restoreAccountKey } from "../../../src/identity/account/recovery-code.js";
import { code, crypto } from "./fixtures.js";

const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("account key", () => {
  it("is an Ed25519 pair from the provider, and dropping it wipes the secret", () => {
    const key = createAccountKey(crypto);
    expect(crypto.ed25519PublicKey(key.secretKey)).toEqual(key.publicKey);
    const secret = key.secretKey;
    dropAccountKey(key);
    expect(secret.every((b) => b === 0)).toBe(true);
  });

  it("from a seed copies the seed, so the caller may wipe its own", () => {
    const s = crypto.randomBytes(32);
    const key = accountKeyFromSeed(crypto, s);
    s.fill(0);
    expect(key.secretKey.some((b) => b !== 0)).toBe(true);
  });
});

describe("recovery code", () => {
  const key = createAccountKey(crypto);
  const text = encodeRecoveryCode(crypto, key);

  it("is 14 groups of four Crockford base32 characters", () => {
    expect(text).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){13}[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it("restores exactly the account key, for any seed", () => {
    fc.assert(
      fc.property(seed, (s) => {
        const k = accountKeyFromSeed(crypto, s);
        const back = restoreAccountKey(crypto, encodeRecoveryCode(crypto, k));
        expect(back.ok && back.value).toEqual(k);
      }),
      { numRuns: 100, seed: 25 },
    );
  });

  it("reads what a person copies: lowercase, no dashes, spaces and line breaks, O for 0, I and L for 1", () => {
    let k = key;
    let t = text;
    while (!(t.includes("0") && t.includes("1"))) {
      k = createAccountKey(crypto);
      t = encodeRecoveryCode(crypto, k);
    }
    const sloppy = t
      .toLowerCase()
      .replace(/-/g, (_, i: number) => (i % 3 ? " " : "\n"))
      .replace(/0/g, "o")
      .replace(/1/g, (_, i: number) => (i % 2 ? "i" : "L"));
    expect(sloppy).toMatch(/o/);
    expect(sloppy).toMatch(/[il]/);
    const back = restoreAccountKey(crypto, ` ${sloppy} `);
    expect(back.ok && back.value).toEqual(k);
  });

  it("refuses a bad character, a wrong length and a typo with their codes", () => {
    expect(code(restoreAccountKey(crypto, text.replace(/-/, "U")))).toBe("recovery-bad-character");
    expect(code(restoreAccountKey(crypto, `${text}!`))).toBe("recovery-bad-character");
    expect(code(restoreAccountKey(crypto, text.slice(0, -1)))).toBe("recovery-bad-length");
    expect(code(restoreAccountKey(crypto, `${text}0`))).toBe("recovery-bad-length");
    expect(code(restoreAccountKey(crypto, ""))).toBe("recovery-bad-length");
  });

  it("property: any single-character typo is caught by the checksum", () => {
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const positions = [...text].flatMap((c, i) => (c === "-" ? [] : [i]));
    fc.assert(
      fc.property(fc.constantFrom(...positions), fc.nat({ max: 31 }), (at, c) => {
        fc.pre(text[at] !== alphabet[c]);
        const typo = text.slice(0, at) + alphabet[c] + text.slice(at + 1);
        expect(code(restoreAccountKey(crypto, typo))).toBe("recovery-bad-checksum");
      }),
      { numRuns: 300, seed: 26 },
    );
  });

  it("property: two neighbouring characters swapped are caught", () => {
    const compact = text.replace(/-/g, "");
    fc.assert(
      fc.property(fc.nat({ max: compact.length - 2 }), (at) => {
        fc.pre(compact[at] !== compact[at + 1]);
        const swapped = compact.slice(0, at) + compact[at + 1] + compact[at] + compact.slice(at + 2);
        expect(code(restoreAccountKey(crypto, swapped))).toBe("recovery-bad-checksum");
      }),
      { numRuns: 100, seed: 27 },
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (t) => {
        expect(() => restoreAccountKey(crypto, t)).not.toThrow();
      }),
      { numRuns: 300, seed: 28 },
    );
  });
});
