/**
 * Bursts on a SqliteStore file next to a MemoryStore: alice sends 32 one-way 256 B messages at once, bob
 * ingests the 32 envelopes at once, then bob's sweep acknowledges them and alice ingests the acknowledgements.
 * Steps queued together share one commit (core client/pipeline.ts), so a burst costs about one transaction per
 * side instead of one per message. Per message: time, KiB handed to write syscalls by each side (wchar in
 * /proc/self/io), SQLite transactions; and the Client on the file vs on a MemoryStore. A ping-pong (each
 * message sent and received before the next) cannot batch anything: see `storeKinds` (scaling.ts).
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

export async function burstRows(rounds = 8, burst = 32): Promise<Row[]> {
  const rows: Row[] = [];
  const ms: Record<string, number> = {};
  for (const kind of ["SqliteStore file", "MemoryStore"] as const) {
    const dir = mkdtempSync(join(tmpdir(), "parley-burst-"));
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
      const [aliceStore, bobStore] = stores;
      const tx0 = [aliceStore?.stats.transactions ?? 0, bobStore?.stats.transactions ?? 0];
      let sender = 0;
      let receiver = 0;
      const t = performance.now();
      for (let r = 0; r < rounds; r++) {
        const w0 = bytesWritten() ?? 0;
        await Promise.all(Array.from({ length: burst }, () => p.alice.send(p.aConv, "b".repeat(256))));
        const w1 = bytesWritten() ?? 0;
        await Promise.all(p.aOut.take().map((m) => p.bob.ingest(m.topic, m.payload)));
        p.clock.t += 2_000;
        await p.bob.sweep();
        const w2 = bytesWritten() ?? 0;
        await Promise.all(p.bOut.take().map((m) => p.alice.ingest(m.topic, m.payload)));
        const w3 = bytesWritten() ?? 0;
        sender += w1 - w0 + (w3 - w2);
        receiver += w2 - w1;
      }
      const n = rounds * burst;
      const elapsed = (performance.now() - t) / n;
      ms[kind] = elapsed;
      const tag = `bursts of ${burst}, ${kind}`;
      rows.push({ name: `${tag}: ms per message (send + receive)`, value: elapsed, unit: "ms" });
      if (aliceStore && bobStore && bytesWritten() !== undefined) {
        rows.push({ name: `${tag}: KiB to disk per message, sender`, value: sender / n / KiB, unit: "KiB" });
        rows.push({ name: `${tag}: KiB to disk per message, receiver`, value: receiver / n / KiB, unit: "KiB" });
        rows.push({
          name: `${tag}: sender transactions per message`,
          value: (aliceStore.stats.transactions - tx0[0]!) / n,
          unit: "tx",
        });
        rows.push({
          name: `${tag}: receiver transactions per message`,
          value: (bobStore.stats.transactions - tx0[1]!) / n,
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
  const file = ms["SqliteStore file"];
  const memory = ms.MemoryStore;
  if (file !== undefined && memory !== undefined) {
    const ratio = memory / file;
    rows.push({
      name: `bursts of ${burst}: Client on SqliteStore file vs MemoryStore`,
      value: ratio,
      unit: "x",
      ratio,
      baseline: "MemoryStore",
    });
  }
  return rows;
}
