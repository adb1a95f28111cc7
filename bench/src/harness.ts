/**
 * Tiny benchmark harness: every section measures Parley next to a peer in the same run and reports ratios.
 * Numbers are medians of interleaved rounds so both sides see the same machine conditions.
 */
export interface Measurement {
  /** What was measured, e.g. "PrivateV1 one-way 256 B". */
  readonly name: string;
  /** Operations per second (median of rounds). */
  readonly opsPerSec: number;
  readonly unit?: string;
}

export interface SectionResult {
  readonly section: string;
  readonly rows: readonly Row[];
  readonly notes?: readonly string[];
}

export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Ratio to the named baseline measured in the same run (value / baseline, or baseline / value for times). */
  readonly ratio?: number;
  readonly baseline?: string;
}

/**
 * Rows of one measured sample against a baseline sample of the same shape, measured in the same run: each row
 * is named `${prefix}: ${name}`, its ratio is measured ÷ baseline (above 1: costs more than the baseline).
 */
export function rowsAgainst<S>(measured: S, base: S, prefix: string, baseName: string) {
  return (name: string, unit: string, f: (s: S) => number, digits = 2): Row => ({
    name: `${prefix}: ${name}`,
    value: f(measured),
    unit,
    ratio: f(measured) / f(base),
    baseline: `${baseName} ${f(base).toFixed(digits)} ${unit}`,
  });
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, ms = 200, batch = 1): Promise<number> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < batch; i++) await fn();
    ops += batch;
  }
  return (ops * 1000) / (performance.now() - start);
}

/** Interleaves rounds of several candidates and returns the median ops/s of each. */
export async function compare(
  candidates: Record<string, () => unknown | Promise<unknown>>,
  rounds = 5,
  ms = 150,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(candidates)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(candidates)) samples[name]!.push(await opsPerSecond(fn, ms));
  }
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(samples)) out[name] = median(s);
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export type Section = () => Promise<SectionResult>;
