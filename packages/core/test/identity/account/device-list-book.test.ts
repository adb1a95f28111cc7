import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../../src/base/binary.js";
import { concatBytes } from "../../../src/base/bytes.js";
import { type SignedDeviceList, signDeviceList } from "../../../src/identity/account/device-list.js";
import { DeviceListBook } from "../../../src/identity/account/device-list-book.js";
import { account, code, crypto, device } from "./fixtures.js";

const alice = account();
const bob = account();
const phone = device("phone");
const laptop = device("laptop");

/** Two different lists (variant 0: phone only; 1: phone and laptop) for each version 1..6. */
const lists: SignedDeviceList[][] = Array.from({ length: 7 }, (_, v) => [
  signDeviceList(crypto, alice, BigInt(v), [phone]),
  signDeviceList(crypto, alice, BigInt(v), [phone, laptop]),
]);

function offer(book: DeviceListBook, l: SignedDeviceList) {
  return book.offer(crypto, l);
}

describe("device list book", () => {
  it("keeps the first list, then only newer ones", () => {
    const one = offer(DeviceListBook.empty(), lists[1]![0]!);
    expect(one.ok && one.value.outcome).toBe("first");
    if (!one.ok) return;
    const three = offer(one.value.book, lists[3]![1]!);
    expect(three.ok && three.value.outcome).toBe("newer");
    if (!three.ok) return;
    expect(three.value.book.get(alice.publicKey)?.list.version).toBe(3n);
    const same = offer(three.value.book, lists[3]![1]!);
    expect(same.ok && same.value.outcome).toBe("unchanged");
    expect(same.ok && same.value.book).toBe(three.value.book);
    // Books are values: the older one is untouched.
    expect(one.value.book.get(alice.publicKey)?.list.version).toBe(1n);
  });

  it("refuses a rollback (lower version) and a fork (same version, other contents) with distinct codes", () => {
    const held = offer(DeviceListBook.empty(), lists[4]![0]!);
    if (!held.ok) throw held.error;
    const book = held.value.book;
    expect(code(offer(book, lists[3]![0]!))).toBe("device-list-rollback");
    expect(code(offer(book, lists[1]![1]!))).toBe("device-list-rollback");
    expect(code(offer(book, lists[4]![1]!))).toBe("device-list-fork");
    expect(book.get(alice.publicKey)?.bytes).toEqual(lists[4]![0]!.bytes);
  });

  it("refuses an invalid list before comparing versions, and keeps accounts apart", () => {
    const held = offer(DeviceListBook.empty(), lists[2]![0]!);
    if (!held.ok) throw held.error;
    const forged = { bytes: lists[5]![0]!.bytes, signature: lists[2]![0]!.signature };
    expect(code(held.value.book.offer(crypto, forged))).toBe("device-list-bad-signature");
    // The held list's bytes under another signature are checked, not taken as the held list.
    const resigned = { bytes: lists[2]![0]!.bytes, signature: lists[2]![1]!.signature };
    expect(code(held.value.book.offer(crypto, resigned))).toBe("device-list-bad-signature");
    const bobs = offer(held.value.book, signDeviceList(crypto, bob, 1n, [laptop]));
    expect(bobs.ok && bobs.value.outcome).toBe("first");
    if (!bobs.ok) return;
    expect(bobs.value.book.size).toBe(2);
    expect(bobs.value.book.get(alice.publicKey)?.list.version).toBe(2n);
  });

  it("property: the held version is the highest offered; lower is a rollback, equal but different a fork", () => {
    const offers = fc.array(fc.tuple(fc.nat({ max: 6 }), fc.nat({ max: 1 })), { minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(offers, (sequence) => {
        let book = DeviceListBook.empty();
        let held: [number, number] | undefined;
        for (const [v, variant] of sequence) {
          const r = offer(book, lists[v]![variant]!);
          if (held === undefined || v > held[0]) {
            expect(r.ok).toBe(true);
            held = [v, variant];
          } else if (v < held[0]) expect(code(r)).toBe("device-list-rollback");
          else if (variant !== held[1]) expect(code(r)).toBe("device-list-fork");
          else expect(r.ok && r.value.outcome).toBe("unchanged");
          if (r.ok) book = r.value.book;
          expect(book.get(alice.publicKey)?.bytes).toEqual(lists[held[0]]![held[1]]!.bytes);
        }
      }),
      { numRuns: 80, seed: 17 },
    );
  });
});

describe("device list book state", () => {
  function bookOf(...signed: SignedDeviceList[]): DeviceListBook {
    let book = DeviceListBook.empty();
    for (const l of signed) {
      const r = offer(book, l);
      if (!r.ok) throw r.error;
      book = r.value.book;
    }
    return book;
  }

  function state(version: number, entries: SignedDeviceList[], tail = new Uint8Array(0)): Uint8Array {
    const w = new ByteWriter().u8(version).u32(entries.length);
    for (const e of entries) w.bytes(e.bytes).bytes(e.signature);
    return concatBytes(w.finish(), tail);
  }

  it("round-trips, and the decoded book refuses what the original refuses", () => {
    const book = bookOf(lists[3]![1]!, signDeviceList(crypto, bob, 9n, [laptop]));
    const bytes = book.encode();
    const back = DeviceListBook.decode(crypto, bytes);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.lists().map((l) => l.bytes)).toEqual(book.lists().map((l) => l.bytes));
    expect(back.value.encode()).toEqual(bytes);
    expect(code(offer(back.value, lists[2]![1]!))).toBe("device-list-rollback");
    expect(code(offer(back.value, lists[3]![0]!))).toBe("device-list-fork");
    const empty = DeviceListBook.decode(crypto, DeviceListBook.empty().encode());
    expect(empty.ok && empty.value.size).toBe(0);
  });

  it("refuses an unknown state version, truncation, trailing bytes, a tampered list, disorder, duplicates", () => {
    const a = lists[3]![1]!;
    const b = signDeviceList(crypto, bob, 9n, [laptop]);
    const [first, second] = [a, b].sort((x, y) => Buffer.compare(x.list.accountKey, y.list.accountKey));
    expect(code(DeviceListBook.decode(crypto, state(1, [first!, second!])))).toBeUndefined();
    expect(code(DeviceListBook.decode(crypto, state(2, [first!])))).toBe("book-state-unknown-version");
    expect(code(DeviceListBook.decode(crypto, state(1, [first!]).slice(0, 40)))).toBe("book-state-malformed");
    expect(code(DeviceListBook.decode(crypto, new Uint8Array(0)))).toBe("book-state-malformed");
    expect(code(DeviceListBook.decode(crypto, state(1, [first!], Uint8Array.of(0))))).toBe("book-state-malformed");
    const tampered = { ...first!, signature: second!.signature };
    expect(code(DeviceListBook.decode(crypto, state(1, [tampered])))).toBe("book-state-malformed");
    expect(code(DeviceListBook.decode(crypto, state(1, [second!, first!])))).toBe("book-state-malformed");
    expect(code(DeviceListBook.decode(crypto, state(1, [first!, first!])))).toBe("book-state-malformed");
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(() => DeviceListBook.decode(crypto, bytes)).not.toThrow();
        expect(() => DeviceListBook.decode(crypto, concatBytes(Uint8Array.of(1), bytes))).not.toThrow();
      }),
      { numRuns: 200, seed: 18 },
    );
  });
});
