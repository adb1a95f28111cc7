/**
 * Section `sqlite-file`: the SqliteStore-file rows of `scaling` alone (Client on a file vs MemoryStore, the
 * curve to message 1,000, the burst) plus bursts of sends and receives (burst.ts), a catch-up of 500 messages and replayed steps sharing transactions
 * (shared-commits.ts), for work on SqliteStore's write path without the whole `scaling` run.
 */
import { burstRows } from "./burst.js";
import { catchUpRows } from "./catch-up.js";
import type { SectionResult } from "./harness.js";
import { storeKinds } from "./scaling.js";
import { sharedCommitRows } from "./shared-commits.js";
import { sqliteFileCurve } from "./sqlite-file.js";

export async function sqliteFileSection(): Promise<SectionResult> {
  return {
    section: "sqlite-file",
    rows: [
      ...(await storeKinds()),
      ...(await sqliteFileCurve([100, 1_000], 64)),
      ...(await burstRows()),
      ...(await catchUpRows(500)),
      ...(await sharedCommitRows()),
    ],
    notes: [
      "KiB to disk = bytes the process wrote (/proc/self/io wchar) during each side's calls, per message",
      "transactions = SQLite transactions committed (one fsync each, WAL, synchronous=FULL)",
    ],
  };
}
