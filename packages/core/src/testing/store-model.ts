/**
 * What the Store conformance suite compares against: a model of key order written independently of the
 * framework's helpers, the keys that break careless stores, and small builders for write operations.
 */
import type { ScanOptions, StoreEntry, WriteOp } from "../framework/store.js";

const enc = new TextEncoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const put = (ns: string, key: string, value: Uint8Array | string): WriteOp => ({
  op: "put",
  ns,
  key,
  value: typeof value === "string" ? bytes(value) : value,
});
export const del = (ns: string, key: string): WriteOp => ({ op: "delete", ns, key });

/** The model: JS string order (UTF-16 code units), written independently of the code under test. */
export function modelScan(keys: Iterable<string>, o: ScanOptions): string[] {
  let out = [...keys].filter(
    (k) =>
      (o.prefix === undefined || k.slice(0, o.prefix.length) === o.prefix) &&
      (o.gte === undefined || !(k < o.gte)) &&
      (o.lt === undefined || k < o.lt),
  );
  out.sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
  if (o.reverse) out = out.reverse();
  return o.limit === undefined ? out : out.slice(0, o.limit);
}

export const keysOf = (entries: StoreEntry[]): string[] => entries.map((e) => e.key);

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deterministic pseudo-random bytes (content only matters for equality). */
export function filler(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Keys chosen to break stores that compare UTF-8 bytes, use LIKE for prefixes, split on separators, or
 * normalise strings: NUL, LIKE wildcards, astral characters against U+FFFF, lone surrogates, combining marks.
 */
export const EDGE_KEYS: readonly string[] = [
  "",
  "\u0000",
  "\u0000\u0000",
  "a",
  "a\u0000",
  "a\u0000b",
  "ab",
  "a%",
  "a_",
  "a\\",
  "a/b",
  "A",
  "z",
  "~",
  "\u007f",
  "\u0080",
  "é", // U+00E9 precomposed
  "e\u0301", // e + combining acute: must stay distinct from the precomposed form
  "\u07ff",
  "\u0800",
  "\ud7ff",
  "\ud83d\ude00", // U+1F600 as a surrogate pair: sorts BELOW U+E000 in UTF-16 order, above it in UTF-8 order
  "\ud83d\ude00x",
  "\ud800", // lone high surrogate
  "\udfff", // lone low surrogate
  "\ue000",
  "\uffef",
  "\ufffd",
  "\uffff",
  "\uffff\uffff",
  "x".repeat(10_000),
];
