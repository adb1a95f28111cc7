/** The ByteWriter pieces behind cheap state encoding: packed hex lists, nested lengths, cached parts, sparse bytes. */
import { toHex } from "@parley/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter, packHex, TruncatedInput } from "../../../src/base/binary.js";

describe("hex lists", () => {
  it("round-trip packed lowercase hex ids, and are refused where not allowed, truncated or inconsistent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.uint8Array({ minLength: 20, maxLength: 20 }), { maxLength: 30 }),
        (width, raw) => {
          const ids = raw.map((b) => toHex(b.subarray(0, width)));
          const packed = new Uint8Array(ids.length * width);
          for (const [i, id] of ids.entries()) expect(packHex(id, packed, i * width)).toBe(true);
          const bytes = new ByteWriter().u8(7).hexList(ids.length, width, packed).u8(9).finish();
          let seen: [number, Uint8Array] | undefined;
          const r = new ByteReader(bytes);
          expect(r.u8()).toBe(7);
          expect(r.stringList((w, p) => (seen = [w, p]))).toEqual(ids);
          expect(r.u8()).toBe(9);
          expect(seen).toEqual([width, packed]);
          // A reader that did not opt in refuses it; so does every truncation.
          const plain = new ByteReader(bytes);
          plain.u8();
          expect(() => plain.stringList()).toThrow(TruncatedInput);
          for (let cut = 1; cut < bytes.length - 1; cut++) {
            const t = new ByteReader(bytes.subarray(0, cut));
            expect(() => {
              t.u8();
              t.stringList(() => {});
              t.u8();
            }).toThrow(TruncatedInput);
          }
        },
      ),
      { numRuns: 50 },
    );
    expect(() => new ByteWriter().hexList(2, 3, new Uint8Array(5))).toThrow(RangeError);
    expect(() => new ByteWriter().hexList(0, 0, new Uint8Array(0))).toThrow(RangeError);
    const zeroWidth = new ByteWriter().u32(3).u8(2).u32(0).finish();
    expect(() => new ByteReader(zeroWidth).stringList(() => {})).toThrow(TruncatedInput);
  });

  it("packHex takes only lowercase hex of even, non-zero length", () => {
    const out = new Uint8Array(8);
    expect(packHex("00ff7a", out, 1)).toBe(true);
    expect([...out.subarray(1, 4)]).toEqual([0, 255, 0x7a]);
    for (const bad of ["", "a", "abc", "AB", "0g", "zz", "é1", "-1"]) expect(packHex(bad, out, 0)).toBe(false);
  });
});

describe("ByteWriter.sized and ByteWriter.cached", () => {
  it("sized writes exactly what bytes(...) of a separately written part writes", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 10 }), fc.uint8Array({ maxLength: 3000 }), (texts, blob) => {
        const part = (w: ByteWriter) => {
          for (const t of texts) w.string(t);
          w.raw(blob);
        };
        const inner = new ByteWriter();
        part(inner);
        const expected = new ByteWriter().u8(1).bytes(inner.finish()).u8(2).finish();
        expect(new ByteWriter().u8(1).sized(part).u8(2).finish()).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it("cached writes the same bytes every time, remembering them from the second time on", () => {
    const cache = new WeakMap<{ n: number }, Uint8Array | null>();
    const key = { n: 5 };
    let writes = 0;
    const write = (w: ByteWriter, k: { n: number }) => {
      writes++;
      w.u32(k.n).string("x".repeat(k.n));
    };
    const expected = new ByteWriter().u8(0).u32(5).string("xxxxx").finish();
    for (let i = 0; i < 4; i++) expect(new ByteWriter().u8(0).cached(cache, key, write).finish()).toEqual(expected);
    expect(writes).toBe(2);
  });
});

describe("sparseBytes", () => {
  it("reads back the same bytes whichever form it chose, and the choice of an array does not change", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        (n, density, seed) => {
          let x = seed | 1;
          const bytes = new Uint8Array(n).map(() => {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            return (x >>> 8) % 1000 < density * 1000 ? (x >>> 20) | 1 : 0;
          });
          const first = new ByteWriter().sparseBytes(bytes).finish();
          expect(new ByteReader(first).sparseBytes()).toEqual(bytes);
          expect(first.length).toBeLessThanOrEqual(n + 5);
          // Again, and on a copy: the same bytes.
          expect(new ByteWriter().sparseBytes(bytes).finish()).toEqual(first);
          expect(new ByteWriter().sparseBytes(bytes.slice()).finish()).toEqual(first);
        },
      ),
      { numRuns: 200 },
    );
    // A young filter packs; a full one is copied.
    const young = new Uint8Array(3752);
    young[100] = 1;
    young[3000] = 4;
    expect(new ByteWriter().sparseBytes(young).finish().length).toBeLessThan(20);
    const full = new Uint8Array(3752).fill(0x5a);
    expect(new ByteWriter().sparseBytes(full).finish().length).toBe(3752 + 5);
  });
});
