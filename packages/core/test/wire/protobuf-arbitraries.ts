/**
 * Inputs for the differential tests of the hand-written codecs (test/wire/*.test.ts): field values, a raw
 * protobuf writer for hand-built encodings (re-ordered, duplicated, unknown, wrong wire type, padded varints),
 * and damaged copies of canonical bytes.
 */
import fc from "fast-check";

export const U64 = (1n << 64n) - 1n;

export const text = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.string({ minLength: 120, maxLength: 300 }),
);
export const bytes = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 400 }),
);
export const u32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 0xffffffff), fc.nat({ max: 0xffffffff }));

// --- a raw protobuf writer for hand-built inputs -------------------------------------------------------------

function varint(v: bigint, padding = 0): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  if (padding === 0) {
    out.push(Number(x));
    return out;
  }
  out.push(Number(x) | 0x80);
  for (let i = 1; i < padding; i++) out.push(0x80);
  out.push(0);
  return out;
}

export type RawField =
  | { no: number; kind: "varint"; value: bigint; padding: number }
  | { no: number; kind: "len"; value: Uint8Array }
  | { no: number; kind: "fixed32"; value: Uint8Array }
  | { no: number; kind: "fixed64"; value: Uint8Array };

export function rawEncode(fields: readonly RawField[]): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    const wt = { varint: 0, len: 2, fixed64: 1, fixed32: 5 }[f.kind];
    out.push(...varint(BigInt(f.no * 8 + wt)));
    if (f.kind === "varint") out.push(...varint(f.value, f.padding));
    else if (f.kind === "len") out.push(...varint(BigInt(f.value.length)), ...f.value);
    else out.push(...f.value);
  }
  return Uint8Array.from(out);
}

export const varintValue = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffffffffn, 0x100000000n, (1n << 49n) - 1n, 1n << 49n, U64),
  fc.bigInt({ min: 0n, max: U64 }),
  fc.bigInt({ min: 0n, max: 1000n }),
);

/** Fields of a message: mostly its own numbers (with the right or a wrong wire type), some unknown ones. */
export function rawFields(numbers: readonly number[], nested?: fc.Arbitrary<Uint8Array>): fc.Arbitrary<RawField[]> {
  const no = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...numbers) },
    { weight: 1, arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 9, 13, 100, 536870911) },
  );
  const field: fc.Arbitrary<RawField> = fc.oneof(
    fc.record({
      no,
      kind: fc.constant("varint" as const),
      value: varintValue,
      padding: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }),
    }),
    fc.record({
      no,
      kind: fc.constant("len" as const),
      value: nested
        ? fc.oneof(
            bytes,
            text.map((t) => new TextEncoder().encode(t)),
            nested,
          )
        : fc.oneof(
            bytes,
            text.map((t) => new TextEncoder().encode(t)),
          ),
    }),
    fc.record({ no, kind: fc.constant("fixed32" as const), value: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ no, kind: fc.constant("fixed64" as const), value: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
  );
  return fc.array(field, { maxLength: 8 });
}

/** Random bytes, and truncations / one-byte mutations / splices of `canonical`. */
export function damaged(canonical: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.tuple(canonical, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
    fc.tuple(canonical, fc.nat(), fc.nat({ max: 255 })).map(([b, i, v]) => {
      const c = b.slice();
      if (c.length > 0) c[i % c.length] = v;
      return c;
    }),
    fc
      .tuple(canonical, fc.uint8Array({ minLength: 1, maxLength: 6 }))
      .map(([b, tail]) => Uint8Array.from([...b, ...tail])),
  );
}

export function runtime<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}
