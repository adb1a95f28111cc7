/**
 * The SqliteStore-file curve for the `scaling` section: a Client pair on two SqliteStore files (WAL,
 * synchronous=FULL), one-way 256 B messages acked every 32, and at message N: time per message and bytes
 * written to disk per message by each side, with group commit on and off. Disk bytes are the process's write
 * syscalls (`wchar` in /proc/self/io, Linux only) around each side's calls: WAL frames, checkpoints and the
 * lock's holder record, everything SQLite hands to the OS. Plus a burst: K conversation states committed
 * together (what a catch-up would issue if its steps did not wait for each other), group commit on and off.
 * Use a window of two ack cycles or more (64): WAL checkpoints land every ~1,000 pages, and a short window
 * either catches one or misses it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeCryptoProvider } from "@parley/core/node";
import { SqliteStore } from "@parley/sqlite";
import { parleyPair } from "./client-pair.js";
import { median, type Row } from "./harness.js";

/** Bytes this process has passed to write syscalls so far; undefined where /proc is not available. */
export function bytesWritten(): number | undefined {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const KiB = 1024;

export async function sqliteFileCurve(points: readonly number[], window: number): Promise<Row[]> {
  const rows: Row[] = [];
  if (bytesWritten() === undefined) return rows;
  for (const groupCommit of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), "parley-scaling-sqlite-"));
    const stores: SqliteStore[] = [];
    try {
      const p = await parleyPair({
        crypto: () => new NodeCryptoProvider(),
        store: async (name) => {
          const s = await SqliteStore.open({ path: join(dir, `${name}.db`), groupCommit });
          stores.push(s);
          return s;
        },
      });
      const [aliceStore] = stores;
      const tag = `SqliteStore file, group commit ${groupCommit ? "on" : "off"}`;
      // Off is the control: a Client's steps wait for each other, so the two curves should match.
      const ns = groupCommit ? points : points.filter((n) => n <= 1_000);
      let i = 0;
      let sender = 0;
      let receiver = 0;
      const step = async () => {
        const w0 = bytesWritten()!;
        await p.alice.send(p.aConv, "z".repeat(256));
        const w1 = bytesWritten()!;
        for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
        const w2 = bytesWritten()!;
        sender += w1 - w0;
        receiver += w2 - w1;
        if (++i % 32 === 0) {
          p.clock.t += 2_000;
          const w3 = bytesWritten()!;
          await p.bob.sweep();
          const w4 = bytesWritten()!;
          for (const m of p.bOut.take()) await p.alice.ingest(m.topic, m.payload);
          receiver += w4 - w3;
          sender += bytesWritten()! - w4;
        }
      };
      for (const n of ns) {
        while (i < n - window) await step();
        const times: number[] = [];
        const s0 = sender;
        const r0 = receiver;
        const tx0 = aliceStore!.stats.transactions;
        for (let k = 0; k < window; k++) {
          const t = performance.now();
          await step();
          times.push(performance.now() - t);
        }
        rows.push({ name: `${tag}: ms per message at ${n}`, value: median(times), unit: "ms" });
        rows.push({
          name: `${tag}: KiB to disk per message at ${n}, sender`,
          value: (sender - s0) / window / KiB,
          unit: "KiB",
        });
        rows.push({
          name: `${tag}: KiB to disk per message at ${n}, receiver`,
          value: (receiver - r0) / window / KiB,
          unit: "KiB",
        });
        rows.push({
          name: `${tag}: sender transactions per message at ${n}`,
          value: (aliceStore!.stats.transactions - tx0) / window,
          unit: "tx",
        });
      }
      await p.alice.close();
      await p.bob.close();
    } finally {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [...rows, ...(await burst())];
}

/** K conversation states of a busy conversation's size, committed together, group commit on and off. */
async function burst(k = 32, size = 40_000): Promise<Row[]> {
  const rows: Row[] = [];
  const value = new NodeCryptoProvider().randomBytes(size);
  const perCommit: Record<string, number> = {};
  for (const groupCommit of [true, false]) {
    const dir = mkdtempSync(join(tmpdir(), "parley-scaling-burst-"));
    const s = await SqliteStore.open({ path: join(dir, "burst.db"), groupCommit });
    try {
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const t = performance.now();
        await Promise.all(
          Array.from({ length: k }, (_, c) => s.commit([{ op: "put", ns: "state", key: `conv-${c}`, value }])),
        );
        times.push((performance.now() - t) / k);
      }
      const tag = `burst of ${k} state commits (${size / 1000} kB), group commit ${groupCommit ? "on" : "off"}`;
      perCommit[tag] = median(times);
      rows.push({ name: `${tag}: ms per commit`, value: median(times), unit: "ms" });
      rows.push({ name: `${tag}: transactions`, value: s.stats.transactions / 5, unit: "tx" });
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [on, off] = Object.values(perCommit);
  if (on !== undefined && off !== undefined) {
    rows.push({ name: "burst: group commit on vs off", value: off / on, unit: "x", ratio: off / on, baseline: "off" });
  }
  return rows;
}
