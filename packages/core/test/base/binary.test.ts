import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter, TruncatedInput } from "../../src/base/binary.js";

/** The layout spelled out the simple way (one chunk per field), as the first version of the codec wrote it. */
function reference(ops: readonly Op[]): Uint8Array {
  const chunks: number[] = [];
  const u32 = (n: number) => chunks.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const u64 = (n: bigint) => {
    const v = BigInt.asUintN(64, n);
    u32(Number(v >> 32n));
    u32(Number(v & 0xffffffffn));
  };
  const bytes = (b: Uint8Array) => {
    u32(b.length);
    chunks.push(...b);
  };
  for (const op of ops) {
    if (op.k === "u8") chunks.push(op.v & 0xff);
    else if (op.k === "u32") u32(op.v >>> 0);
    else if (op.k === "u64") u64(op.v);
    else if (op.k === "uint") u64(BigInt(op.v));
    else if (op.k === "raw") chunks.push(...op.v);
    else if (op.k === "bytes") bytes(op.v);
    else if (op.k === "optBytes") {
      if (op.v === undefined) chunks.push(0);
      else {
        chunks.push(1);
        bytes(op.v);
      }
    } else bytes(new TextEncoder().encode(op.v));
  }
  return Uint8Array.from(chunks);
}

type Op =
  | { k: "u8"; v: number }
  | { k: "u32"; v: number }
  | { k: "u64"; v: bigint }
  | { k: "uint"; v: number }
  | { k: "raw"; v: Uint8Array }
  | { k: "bytes"; v: Uint8Array }
  | { k: "optBytes"; v: Uint8Array | undefined }
  | { k: "string"; v: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((v) => ({ k: "u8" as const, v })),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ k: "u32" as const, v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ k: "u64" as const, v })),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map((v) => ({ k: "uint" as const, v })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ k: "raw" as const, v })),
  fc.uint8Array({ maxLength: 600 }).map((v) => ({ k: "bytes" as const, v })),
  fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }).map((v) => ({ k: "optBytes" as const, v })),
  fc
    .oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: "grapheme", maxLength: 20 }),
      fc
        .uint8Array({ minLength: 16, maxLength: 16 })
        .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")),
    )
    .map((v) => ({ k: "string" as const, v })),
);

function write(ops: readonly Op[]): Uint8Array {
  const w = new ByteWriter();
  for (const o of ops) {
    if (o.k === "u8") w.u8(o.v);
    else if (o.k === "u32") w.u32(o.v);
    else if (o.k === "u64") w.u64(o.v);
    else if (o.k === "uint") w.uint(o.v);
    else if (o.k === "raw") w.raw(o.v);
    else if (o.k === "bytes") w.bytes(o.v);
    else if (o.k === "optBytes") w.optBytes(o.v);
    else w.string(o.v);
  }
  return w.finish();
}

describe("ByteWriter / ByteReader", () => {
  it("writes exactly the reference layout, and reads back every field", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const bytes = write(ops);
        expect(bytes).toEqual(reference(ops));
        const r = new ByteReader(bytes);
        for (const o of ops) {
          if (o.k === "u8") expect(r.u8()).toBe(o.v);
          else if (o.k === "u32") expect(r.u32()).toBe(o.v);
          else if (o.k === "u64") expect(r.u64()).toBe(o.v);
          else if (o.k === "uint") expect(r.uint()).toBe(o.v);
          else if (o.k === "raw") expect(r.raw(o.v.length)).toEqual(o.v);
          else if (o.k === "bytes") expect(r.bytes()).toEqual(o.v);
          else if (o.k === "optBytes") expect(r.optBytes()).toEqual(o.v);
          else expect(r.string()).toBe(o.v);
        }
        expect(r.done).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("grows past its initial buffer and returns an independent copy", () => {
    const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const w = new ByteWriter().bytes(big).string("x".repeat(3000));
    const out = w.finish();
    expect(out.length).toBe(4 + 5000 + 4 + 3000);
    big[0] = 99;
    expect(out[4]).toBe(0);
    const r = new ByteReader(out);
    expect(r.bytes()[1]).toBe(1);
    expect(r.string()).toBe("x".repeat(3000));
  });

  it("reads long ASCII and non-ASCII strings through the UTF-8 decoder", () => {
    const long = "a".repeat(10_000);
    const mixed = `id-${"é".repeat(50)}-😀`;
    const r = new ByteReader(new ByteWriter().string(long).string(mixed).finish());
    expect(r.string()).toBe(long);
    expect(r.string()).toBe(mixed);
  });

  it("refuses invalid UTF-8, truncation and integers beyond 2^53 - 1 with TruncatedInput", () => {
    expect(() => new ByteReader(Uint8Array.of(0, 0, 0, 2, 0xc3, 0x28)).string()).toThrow(TruncatedInput);
    expect(() => new ByteReader(Uint8Array.of(0, 0, 0, 5, 0x61)).string()).toThrow(TruncatedInput);
    expect(() => new ByteReader(Uint8Array.of(0, 0, 1)).u32()).toThrow(TruncatedInput);
    const tooBig = new ByteWriter().u64(2n ** 53n).finish();
    expect(() => new ByteReader(tooBig).uint()).toThrow(TruncatedInput);
    const max = new ByteWriter().uint(Number.MAX_SAFE_INTEGER).finish();
    expect(new ByteReader(max).uint()).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("uint of a negative or fractional number behaves as u64(BigInt(n))", () => {
    expect(new ByteWriter().uint(-1).finish()).toEqual(new ByteWriter().u64(-1n).finish());
    expect(() => new ByteWriter().uint(1.5)).toThrow(RangeError);
  });

  it("stringList round-trips any strings (ASCII ids, non-ASCII, empty) and refuses inconsistent lengths", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 8 })), {
            maxLength: 300,
          }),
          // Same-length ids (the common form), hex and not.
          fc.array(fc.string({ minLength: 32, maxLength: 32 }), { maxLength: 300 }),
          fc.array(fc.constant(""), { maxLength: 20 }),
        ),
        (list) => {
          const bytes = new ByteWriter().u8(7).stringList(list).u8(9).finish();
          const r = new ByteReader(bytes);
          expect(r.u8()).toBe(7);
          expect(r.stringList()).toEqual(list);
          expect(r.u8()).toBe(9);
          expect(r.done).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    // Lengths claim 3 + 3 code units, the joined string has 5 (per-item and common-length forms).
    const perItem = new ByteWriter().u32(2).u8(0).u32(3).u32(3).string("abcde").finish();
    expect(() => new ByteReader(perItem).stringList()).toThrow(TruncatedInput);
    const common = new ByteWriter().u32(2).u8(1).u32(3).string("abcde").finish();
    expect(() => new ByteReader(common).stringList()).toThrow(TruncatedInput);
    expect(() => new ByteReader(new ByteWriter().u32(1).u8(2).u32(1).string("a").finish()).stringList()).toThrow(
      TruncatedInput,
    );
    // Counts the input cannot hold are refused before allocating.
    const many = new ByteWriter().u32(1_000_000).u8(0).finish();
    expect(() => new ByteReader(many).stringList()).toThrow(TruncatedInput);
    const manyEmpty = new ByteWriter().u32(1_000_000).u8(1).u32(0).string("").finish();
    expect(() => new ByteReader(manyEmpty).stringList()).toThrow(TruncatedInput);
  });

  it("writers reusing a pooled buffer start empty and never change bytes already returned", () => {
    const first = new ByteWriter().raw(new Uint8Array(3000).fill(0xaa)).finish();
    const nested = new ByteWriter().u8(1);
    const inner = new ByteWriter().string("inner").finish();
    const outer = nested.bytes(inner).finish();
    const second = new ByteWriter().u8(5).finish();
    expect(second).toEqual(Uint8Array.of(5));
    expect(outer).toEqual(Uint8Array.of(1, 0, 0, 0, 9, 0, 0, 0, 5, 105, 110, 110, 101, 114));
    expect(first.every((b) => b === 0xaa)).toBe(true);
  });

  it("sparseBytes round-trips sparse, dense and empty inputs, and is never longer than plain bytes + 1", () => {
    const sparseArb = fc
      .record({ length: fc.integer({ min: 0, max: 70_000 }), ones: fc.array(fc.nat(), { maxLength: 200 }) })
      .map(({ length, ones }) => {
        const b = new Uint8Array(length);
        for (const o of ones) if (length > 0) b[o % length] = (o % 255) + 1;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(sparseArb, fc.uint8Array({ maxLength: 3000 })), (bytes) => {
        const out = new ByteWriter().u8(3).sparseBytes(bytes).u8(4).finish();
        expect(out.length).toBeLessThanOrEqual(bytes.length + 1 + 4 + 2);
        const r = new ByteReader(out);
        expect(r.u8()).toBe(3);
        expect(r.sparseBytes()).toEqual(bytes);
        expect(r.u8()).toBe(4);
        expect(r.done).toBe(true);
      }),
      { numRuns: 150 },
    );
    // An empty 3,600-byte filter costs a few bytes.
    expect(new ByteWriter().sparseBytes(new Uint8Array(3600)).finish().length).toBeLessThan(12);
  });

  it("sparseBytes refuses truncated input, bad runs and absurd lengths", () => {
    const bytes = new Uint8Array(500);
    bytes[100] = 1;
    bytes[400] = 2;
    const out = new ByteWriter().sparseBytes(bytes).finish();
    for (let cut = 0; cut < out.length; cut++) {
      expect(() => new ByteReader(out.subarray(0, cut)).sparseBytes()).toThrow(TruncatedInput);
    }
    const zeroRun = Uint8Array.of(1, 0, 0, 0, 10, 0, 0, 0, 0);
    expect(() => new ByteReader(zeroRun).sparseBytes()).toThrow(TruncatedInput);
    const tooLong = Uint8Array.of(1, 0, 0, 0, 5, 0, 9, 0, 0);
    expect(() => new ByteReader(tooLong).sparseBytes()).toThrow(TruncatedInput);
    const huge = Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0);
    expect(() => new ByteReader(huge).sparseBytes()).toThrow(TruncatedInput);
    expect(() => new ByteReader(Uint8Array.of(2)).sparseBytes()).toThrow(TruncatedInput);
  });
});
