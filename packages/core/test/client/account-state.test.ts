/**
 * The Client's account record (client/account-state.ts), format 1: a pinned record of a primary device and one
 * of a linked device still read (and written back to the same bytes), and every damaged record refused with its
 * code instead of trusted: truncated, trailing bytes, unknown format, a list that no longer verifies, a seed
 * that is not the account key's.
 */
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/base/bytes.js";
import { decodeAccountState, encodeAccountState } from "../../src/client/account-state.js";
import { NobleCryptoProvider } from "../../src/crypto/index.js";

const crypto = new NobleCryptoProvider();
const ACCOUNT = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
const LIST =
  "0000009c0a580a20ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c10011a320a2057db4b359f23ae5e146e4e" +
  "2512056704722506348c150c14753d0c933d04d42112077072696d6172791880d095ffbc311240c379b6687f66e68d1737963f7c67cfe401c5" +
  "63737400db0d5878cf94a4cc8a2eae07ca6e57279b3881e5f5b0c93153ebbae2ef6ea5fdbde6441db3915a54390a";
/** Seed 07 x 32, installation secret 09 x 32, list version 1 with the device "primary" (pinned when format 1 was written). */
const PRIMARY_V1 = `0100000020${ACCOUNT}00000020${"07".repeat(32)}${LIST}`;
const LINKED_V1 = `0100000020${ACCOUNT}00000000${LIST}`;

const decode = (hex: string) => decodeAccountState(crypto, fromHex(hex)!);
const code = (hex: string) => {
  try {
    decode(hex);
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "accepted";
};

describe("client account record, format 1", () => {
  it("reads the pinned records of a primary and a linked device, and writes them back to the same bytes", () => {
    const primary = decode(PRIMARY_V1);
    expect(toHex(primary.accountKey)).toBe(ACCOUNT);
    expect(toHex(primary.signer!.publicKey)).toBe(ACCOUNT);
    expect(primary.list.list.version).toBe(1n);
    expect(primary.list.list.devices.map((d) => d.name)).toEqual(["primary"]);
    expect(toHex(encodeAccountState(primary))).toBe(PRIMARY_V1);
    const linked = decode(LINKED_V1);
    expect(linked.signer).toBeUndefined();
    expect(toHex(encodeAccountState(linked))).toBe(LINKED_V1);
  });

  it("refuses every damaged record with its code", () => {
    expect(code(`02${PRIMARY_V1.slice(2)}`)).toBe("account-state-unknown-version");
    expect(code(PRIMARY_V1.slice(0, -2))).toBe("account-state-malformed");
    expect(code(`${PRIMARY_V1}00`)).toBe("account-state-malformed");
    expect(code("")).toBe("account-state-malformed");
    // Another seed: not the account key's.
    expect(code(`0100000020${ACCOUNT}00000020${"08".repeat(32)}${LIST}`)).toBe("account-state-malformed");
    // A seed of another length.
    expect(code(`0100000020${ACCOUNT}00000001aa${LIST}`)).toBe("account-state-malformed");
    // Any single byte of the list changed (its signature or contents): the list no longer verifies.
    const at = PRIMARY_V1.length - LIST.length + 8;
    for (let i = at; i < PRIMARY_V1.length; i += 14) {
      const flipped = (Number.parseInt(PRIMARY_V1.slice(i, i + 2), 16) ^ 1).toString(16).padStart(2, "0");
      expect(code(PRIMARY_V1.slice(0, i) + flipped + PRIMARY_V1.slice(i + 2))).toBe("account-state-malformed");
    }
  });
});
