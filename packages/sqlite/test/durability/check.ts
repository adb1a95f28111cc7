/** Checks a database written by the crash-test children against batches.ts. */
import type { SqliteStore } from "@parley/sqlite";
import { expect } from "vitest";
import { countOf, entryValue, expectedSum, pad } from "./batches.js";

const dec = new TextDecoder();

/**
 * Checks the invariants (batches 0..head all present, nothing beyond head, counter consistent) and the full
 * contents of batches from `checkedUpTo - 5` (deletes reach 5 back) to head. Returns head (-1 if empty).
 */
export async function verifyBatches(store: SqliteStore, checkedUpTo: number): Promise<number> {
  const headBytes = await store.get("head", "last");
  const head = headBytes === undefined ? -1 : Number(dec.decode(headBytes));

  // Batches form exactly 0..head: nothing missing, nothing beyond the head.
  const batches = await store.scan("batch");
  expect(batches.map((e) => e.key)).toEqual(Array.from({ length: head + 1 }, (_, i) => pad(i)));
  for (const e of batches) expect(Number(dec.decode(e.value))).toBe(countOf(Number(e.key)));
  // No data of an uncommitted batch.
  expect(await store.scan("data", { gte: pad(head + 1) })).toEqual([]);
  const sum = await store.get("counter", "sum");
  expect(sum === undefined ? 0 : Number(dec.decode(sum))).toBe(expectedSum(head));

  for (let id = Math.max(0, checkedUpTo - 5); id <= head; id++) {
    const entries = await store.scan("data", { prefix: `${pad(id)}/` });
    const expected: string[] = [];
    for (let j = 0; j < countOf(id); j++) if (!(j === 0 && id + 5 <= head)) expected.push(`${pad(id)}/${j}`);
    expect(entries.map((e) => e.key).sort()).toEqual(expected.sort());
    for (const e of entries) {
      const j = Number(e.key.split("/")[1]);
      expect(Buffer.from(e.value).equals(Buffer.from(entryValue(id, j))), e.key).toBe(true);
    }
  }
  return head;
}
