/**
 * What sharing a transaction between steps would save on a SqliteStore file, and what a small conversation
 * state would: the commits a real Client makes for one send and one receive (recorded by client-steps.ts,
 * message records re-keyed per step, the conversation's own records overwritten) replayed one step per
 * transaction and 8 steps per transaction (group commit: 8 steps' commits issued in one turn), with the state
 * as recorded and with every value over 1,000 B cut to 400 B (a state of delta records). KiB are the
 * process's write syscalls (WAL frames and checkpoints) per step.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WriteOp } from "@parley/core";
import { SqliteStore } from "@parley/sqlite";
import { recordClientSteps, replayedStep } from "./client-steps.js";
import type { Row } from "./harness.js";
import { bytesWritten } from "./sqlite-file.js";

const OVERWRITTEN = new Set(["framework.conversation-state", "client.meta", "client.conversations"]);
type Commits = readonly (readonly WriteOp[])[];

const small = (commits: Commits): Commits =>
  commits.map((ops) =>
    ops.map((op) => (op.op === "put" && op.value.length > 1_000 ? { ...op, value: op.value.slice(0, 400) } : op)),
  );

async function replay(commits: Commits, perTransaction: number, steps = 400): Promise<{ kib: number; tx: number }> {
  const dir = mkdtempSync(join(tmpdir(), "parley-shared-commits-"));
  const s = await SqliteStore.open({ path: join(dir, "replay.db") });
  try {
    const step = (i: number) => replayedStep(commits, i, (ns) => OVERWRITTEN.has(ns));
    for (let i = 0; i < 100; i++) for (const ops of step(i)) await s.commit(ops);
    const w0 = bytesWritten()!;
    const tx0 = s.stats.transactions;
    for (let i = 100; i < 100 + steps; i += perTransaction) {
      const issued: Promise<void>[] = [];
      for (let k = 0; k < perTransaction; k++) for (const ops of step(i + k)) issued.push(s.commit(ops));
      await Promise.all(issued);
    }
    return { kib: (bytesWritten()! - w0) / steps / 1024, tx: (s.stats.transactions - tx0) / steps };
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sharedCommitRows(): Promise<Row[]> {
  if (bytesWritten() === undefined) return [];
  const recorded = await recordClientSteps(200);
  const rows: Row[] = [];
  for (const [side, commits] of [
    ["send", recorded.send],
    ["receive", recorded.receive],
  ] as const) {
    for (const [state, c] of [
      ["state as recorded", commits],
      ["state cut to 400 B", small(commits)],
    ] as const) {
      for (const per of [1, 8]) {
        const r = await replay(c, per);
        const tag = `replayed ${side} step, ${state}, ${per} step${per > 1 ? "s" : ""} per transaction`;
        rows.push({ name: `${tag}: KiB to disk per step`, value: r.kib, unit: "KiB" });
      }
    }
  }
  return rows;
}
