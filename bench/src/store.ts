/**
 * Store cost per message: what one chat message costs the store, SqliteStore (file, durable; file, encrypted;
 * :memory:) next to core's MemoryStore in the same run. A message step replays the commits a real Client
 * makes for one 256 B message (recorded by client-steps.ts from a busy Client pair: full SDS window, acks every
 * 32): the same namespaces, keys and value sizes, whole conversation state included. Message records (history,
 * indexes) get a new key per step; the conversation's own records are overwritten.
 * File stores fsync every transaction (WAL, synchronous=FULL), so their numbers are mostly the disk's fsync time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@parley/core";
import { MemoryStore } from "@parley/core/testing";
import { SqliteStore } from "@parley/sqlite";
import { type ClientSteps, committedBytes, recordClientSteps, replayedStep } from "./client-steps.js";
import { compare, opsPerSecond, type Row, type Section } from "./harness.js";

/** Records a conversation keeps one of (overwritten by every step). */
const OVERWRITTEN = new Set(["framework.conversation-state", "client.meta", "client.conversations"]);

function stepper(store: Store, steps: ClientSteps) {
  let n = 0;
  const run = async (commits: ClientSteps["send"]) => {
    for (const ops of replayedStep(commits, n++, (ns) => OVERWRITTEN.has(ns))) await store.commit(ops);
  };
  return { send: () => run(steps.send), receive: () => run(steps.receive) };
}

export const store: Section = async () => {
  const steps = await recordClientSteps();
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
      for (const [name, s] of Object.entries(stores)) fns[name] = stepper(s, steps)[kind];
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
      `a step replays a real Client's commits: send ${steps.send.length} commits, ${committedBytes(steps.send)} B; ` +
        `receive ${steps.receive.length} commits, ${committedBytes(steps.receive)} B (keys + values)`,
      "file stores fsync every commit (WAL + synchronous=FULL): durable across SIGKILL and power loss",
      `per message: ${perMsgUs.join("; ")}`,
      `temp dir on ${tmpdir()}`,
    ],
  };
};
