/**
 * Receipts are appended in place in a shared buffer (receipts.ts): a state's receipts never change when a
 * later state extends them, nor when an older state is extended again (a step not committed, then another).
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/base/bytes.js";
import {
  findReceipt,
  MAX_RECEIPTS,
  RECEIPT,
  receiptLinks,
  rememberReceipt,
} from "../../src/conversations/private-v1/receipts.js";

/** A ciphertext whose last 8 bytes (the receipt's tag) and an SDS id, both from `n`. */
function message(n: number): { ciphertext: Uint8Array; id: string } {
  const ciphertext = new Uint8Array(24);
  new DataView(ciphertext.buffer).setUint32(20, n + 1);
  return { ciphertext, id: n.toString(16).padStart(32, "0") };
}

function remember(receipts: Uint8Array, n: number): Uint8Array {
  const m = message(n);
  return rememberReceipt(receipts, m.ciphertext, m.id);
}

describe("PrivateV1 receipts", () => {
  it("extending a state's receipts leaves them as they were, also when an older state is extended again", () => {
    const r1 = remember(new Uint8Array(0), 1);
    const r2 = remember(r1, 2);
    const before = toHex(r2);
    // A fork from r1 (the step that made r2 was not committed): it must not write over r2's second receipt.
    const fork = remember(r1, 3);
    expect(toHex(r2)).toBe(before);
    expect(findReceipt(r2, message(2).ciphertext)).toBe(message(2).id);
    expect(findReceipt(r2, message(3).ciphertext)).toBeUndefined();
    expect(findReceipt(fork, message(3).ciphertext)).toBe(message(3).id);
    expect(findReceipt(fork, message(2).ciphertext)).toBeUndefined();
    // And extending r2 still works after the fork.
    const r3 = remember(r2, 4);
    expect([2, 4].map((n) => findReceipt(r3, message(n).ciphertext))).toEqual([message(2).id, message(4).id]);
    expect(toHex(fork)).toBe(toHex(remember(r1, 3)));
  });

  it("keeps the last MAX_RECEIPTS, oldest first, and says how many it dropped", () => {
    let r = new Uint8Array(0);
    const states: Uint8Array[] = [];
    for (let n = 0; n < MAX_RECEIPTS + 50; n++) {
      r = remember(r, n);
      states.push(r);
    }
    expect(r.length).toBe(MAX_RECEIPTS * RECEIPT);
    expect(findReceipt(r, message(49).ciphertext)).toBeUndefined();
    expect(findReceipt(r, message(50).ciphertext)).toBe(message(50).id);
    expect(receiptLinks.get(r)).toEqual({ from: states[states.length - 2], dropped: 1 });
    expect(receiptLinks.get(states[10]!)).toEqual({ from: states[9], dropped: 0 });
    // Every earlier state still holds exactly what it held when it was made.
    for (const [n, s] of states.entries()) {
      expect(s.length).toBe(Math.min(n + 1, MAX_RECEIPTS) * RECEIPT);
      expect(findReceipt(s, message(n).ciphertext)).toBe(message(n).id);
    }
  });
});
