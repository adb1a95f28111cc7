/**
 * Store cost per message: what one chat message costs the store, SqliteStore (file, durable; file, encrypted;
 * :memory:) next to core's MemoryStore in the same run. A message step is what a client commits for one
 * message, in one transaction:
 *   send:    read the ratchet state; put ratchet state (400 B), history entry (1500 B), delivery state (200 B)
 *   receive: read the ratchet state; put ratchet state (400 B), history entry (1500 B), SDS state (200 B),
 *            delete one skipped message key
 * File stores fsync every commit (WAL, synchronous=FULL), so their numbers are mostly the disk's fsync time.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store, WriteOp } from "@parley/core";
import { MemoryStore } from "@parley/core/testing";
import { SqliteStore } from "@parley/sqlite";
import { compare, opsPerSecond, type Row, type Section } from "./harness.js";

const RATCHET = randomBytes(400);
const HISTORY = randomBytes(1500);
const SMALL = randomBytes(200);

function stepper(store: Store) {
  let n = 0;
  return {
    async send() {
      const seq = n++;
      await store.get("ratchet", "conv-1");
      const ops: WriteOp[] = [
        { op: "put", ns: "ratchet", key: "conv-1", value: RATCHET },
        { op: "put", ns: "history", key: `conv-1/${String(seq).padStart(10, "0")}`, value: HISTORY },
        { op: "put", ns: "delivery", key: `m/${seq}`, value: SMALL },
      ];
      await store.commit(ops);
    },
    async receive() {
      const seq = n++;
      await store.get("ratchet", "conv-1");
      const ops: WriteOp[] = [
        { op: "put", ns: "ratchet", key: "conv-1", value: RATCHET },
        { op: "put", ns: "history", key: `conv-1/${String(seq).padStart(10, "0")}`, value: HISTORY },
        { op: "put", ns: "sds", key: "conv-1", value: SMALL },
        { op: "delete", ns: "skipped", key: `conv-1/${seq}` },
      ];
      await store.commit(ops);
    },
  };
}

export const store: Section = async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-store-"));
  const key = "bench key";
  const stores: Record<string, Store> = {
    MemoryStore: new MemoryStore(),
    "SqliteStore :memory:": await SqliteStore.open({ path: ":memory:" }),
    "SqliteStore file": await SqliteStore.open({ path: join(dir, "plain.db") }),
    "SqliteStore file encrypted": await SqliteStore.open({ path: join(dir, "enc.db"), key }),
  };
  const rows: Row[] = [];
  const perMsgUs: string[] = [];
  try {
    for (const kind of ["send", "receive"] as const) {
      const fns: Record<string, () => Promise<void>> = {};
      for (const [name, s] of Object.entries(stores)) fns[name] = stepper(s)[kind];
      const r = await compare(fns, 5, 300);
      const base = r.MemoryStore!;
      for (const name of Object.keys(stores)) {
        const v = r[name]!;
        rows.push({
          name: `${name}: ${kind} step`,
          value: v,
          unit: "msg/s",
          ...(name === "MemoryStore" ? {} : { ratio: v / base, baseline: "MemoryStore" }),
        });
        perMsgUs.push(`${name} ${kind}: ${(1e6 / v).toFixed(1)} µs/msg`);
      }
    }
  } finally {
    for (const s of Object.values(stores)) await s.close();
  }

  // Opening cost: the encrypted open runs PBKDF2 (64007 iterations) once per open.
  const openPlain = await opsPerSecond(
    async () => (await SqliteStore.open({ path: join(dir, "plain.db") })).close(),
    400,
  );
  const openEnc = await opsPerSecond(
    async () => (await SqliteStore.open({ path: join(dir, "enc.db"), key })).close(),
    400,
  );
  rows.push({ name: "SqliteStore open+close (file)", value: 1000 / openPlain, unit: "ms" });
  rows.push({
    name: "SqliteStore open+close (file, encrypted)",
    value: 1000 / openEnc,
    unit: "ms",
    ratio: openEnc / openPlain,
    baseline: "plain open",
  });
  rmSync(dir, { recursive: true, force: true });
  return {
    section: "store",
    rows,
    notes: [
      "ratios are msg/s relative to MemoryStore in the same run: below 1 = slower",
      "file stores fsync every commit (WAL + synchronous=FULL): durable across SIGKILL and power loss",
      `per message: ${perMsgUs.join("; ")}`,
      `temp dir on ${tmpdir()}`,
    ],
  };
};
