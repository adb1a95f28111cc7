/**
 * A catch-up on a SqliteStore file: alice sends N one-way 256 B messages while bob is away, then bob ingests
 * them as `Client.catchUp` does with what the history service returns: a page of 32 queued at once, so their
 * steps share commits (core client/pipeline.ts; before it, one at a time, one commit each). Per message:
 * bob's SQLite transactions (so fsyncs) and KiB handed to write syscalls, and the time, next to the same
 * catch-up on a MemoryStore in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeCryptoProvider } from "@parley/core/node";
import { SqliteStore } from "@parley/sqlite";
import { parleyPair } from "./client-pair.js";
import type { Row } from "./harness.js";
import { bytesWritten } from "./sqlite-file.js";

const KiB = 1024;
/** Client.catchUp's page: MAX_BATCH_STEPS. */
const PAGE = 32;

/** Catch-up of `n` messages by bob; on a SqliteStore file (group commit on), then on a MemoryStore. */
export async function catchUpRows(n = 500): Promise<Row[]> {
  const rows: Row[] = [];
  const ms: Record<string, number> = {};
  for (const kind of ["SqliteStore file", "MemoryStore"] as const) {
    const dir = mkdtempSync(join(tmpdir(), "parley-catch-up-"));
    const stores: SqliteStore[] = [];
    try {
      const p = await parleyPair({
        crypto: () => new NodeCryptoProvider(),
        ...(kind === "SqliteStore file" && {
          store: async (name: "alice" | "bob") => {
            const s = await SqliteStore.open({ path: join(dir, `${name}.db`) });
            stores.push(s);
            return s;
          },
        }),
      });
      for (let i = 0; i < n; i++) await p.alice.send(p.aConv, "c".repeat(256));
      const missed = p.aOut.take();
      const bobStore = stores[1];
      const tx0 = bobStore?.stats.transactions ?? 0;
      const w0 = bytesWritten() ?? 0;
      const t = performance.now();
      // As Client.catchUp does: a page of envelopes queued at once (their steps share commits, pipeline.ts).
      for (let i = 0; i < missed.length; i += PAGE) {
        await Promise.all(missed.slice(i, i + PAGE).map((m) => p.bob.ingest(m.topic, m.payload)));
      }
      const elapsed = performance.now() - t;
      const w1 = bytesWritten() ?? 0;
      ms[kind] = elapsed / missed.length;
      rows.push({ name: `catch-up of ${n}, ${kind}: ms per message`, value: elapsed / missed.length, unit: "ms" });
      if (bobStore) {
        rows.push({
          name: `catch-up of ${n}, ${kind}: transactions per message`,
          value: (bobStore.stats.transactions - tx0) / missed.length,
          unit: "tx",
        });
        rows.push({
          name: `catch-up of ${n}, ${kind}: KiB to disk per message`,
          value: (w1 - w0) / missed.length / KiB,
          unit: "KiB",
        });
      }
      await p.alice.close();
      await p.bob.close();
    } finally {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const file = ms["SqliteStore file"];
  const memory = ms.MemoryStore;
  if (file !== undefined && memory !== undefined) {
    const ratio = memory / file;
    rows.push({
      name: `catch-up of ${n}: SqliteStore file vs MemoryStore`,
      value: ratio,
      unit: "x",
      ratio,
      baseline: "MemoryStore",
    });
  }
  return rows;
}
