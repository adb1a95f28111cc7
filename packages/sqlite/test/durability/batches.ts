/**
 * What batch number `id` writes, derived from the id alone, so the parent process can check a database
 * written by a killed child without any message from it.
 *
 * Batch `id` (one commit):
 *   data/<id>/<j>   for j < count(id): deterministic bytes, mostly 100 B..3 KB, sometimes one of 64..256 KB
 *                   (so commits span many pages and WAL checkpoints happen during the run)
 *   batch/<id>      the count, as text
 *   head/last       id (an overwrite)
 *   counter/sum     previous sum + count(id) (a read-modify-write across commits)
 *   delete data/<id-5>/0
 */
import type { WriteOp } from "@parley/core";
import { filler } from "@parley/core/testing";

export const pad = (id: number): string => String(id).padStart(8, "0");

function mix(x: number): number {
  let h = (x ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export const countOf = (id: number): number => 1 + (mix(id) % 12);

export function sizeOf(id: number, j: number): number {
  const h = mix(id * 64 + j + 1);
  if (j === 0 && mix(id + 7) % 8 === 0) return 65_536 + (h % 196_608);
  return 100 + (h % 2900);
}

export function entryValue(id: number, j: number): Uint8Array {
  return filler(sizeOf(id, j), mix(id * 1000 + j));
}

const text = (s: string | number) => new TextEncoder().encode(String(s));

export function batchOps(id: number, previousSum: number): WriteOp[] {
  const ops: WriteOp[] = [];
  const k = countOf(id);
  for (let j = 0; j < k; j++) ops.push({ op: "put", ns: "data", key: `${pad(id)}/${j}`, value: entryValue(id, j) });
  ops.push({ op: "put", ns: "batch", key: pad(id), value: text(k) });
  ops.push({ op: "put", ns: "head", key: "last", value: text(id) });
  ops.push({ op: "put", ns: "counter", key: "sum", value: text(previousSum + k) });
  if (id >= 5) ops.push({ op: "delete", ns: "data", key: `${pad(id - 5)}/0` });
  return ops;
}

/** Sum of counts of batches 0..head. */
export function expectedSum(head: number): number {
  let s = 0;
  for (let id = 0; id <= head; id++) s += countOf(id);
  return s;
}
