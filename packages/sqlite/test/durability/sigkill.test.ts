/**
 * Crash durability with real processes: a child (writer.ts) commits batches in a loop and reports each id
 * after `commit` returned; we SIGKILL it at random moments (during startup, open, WAL recovery, commits,
 * checkpoints), reopen the file and check that every reported batch is there, that batches form an unbroken
 * sequence 0..head, that no batch is partly present, and that the file passes SQLite's integrity check.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore, SqliteStoreError } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { verifyBatches } from "./check.js";
import { prng, runAndKill } from "./child.js";

const KILLS = 50;
const WRITER = fileURLToPath(new URL("./writer.ts", import.meta.url));
const SEED = Number(process.env.PARLEY_CRASH_SEED ?? 0xc0ffee);

const dir = mkdtempSync(join(tmpdir(), "parley-sigkill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteStore survives SIGKILL of a writing process", () => {
  it.each([
    ["plaintext", undefined],
    ["encrypted", "crash-test key"],
  ] as const)(
    `%s: ${KILLS} kills at random points lose no reported batch and leave no partial batch`,
    async (_, key) => {
      const path = join(dir, `${key ? "enc" : "plain"}.db`);
      const random = prng(SEED + (key ? 1 : 0));
      let checkedUpTo = -1;
      let reportedTotal = 0;
      let killedBeforeReady = 0;
      let committedUnreported = 0;
      let wrongKeyChecks = 0;
      let minBatches = 0;

      for (let round = 0; round < KILLS; round++) {
        // One kill in five lands anywhere from process start (startup, open, WAL recovery, migration);
        // the rest land in the write loop.
        const beforeReady = random() < 0.2;
        const delay = beforeReady ? random() * 500 : random() * 60;
        // After ready, the kill waits for 1-3 commits (progress by count), then lands 0..60 ms later.
        const commits = beforeReady ? 0 : 1 + Math.floor(random() * 3);
        minBatches += commits;
        const run = await runAndKill(WRITER, [path, key ?? ""], beforeReady, delay, commits);
        expect(run.signal, `writer died on its own: ${run.stderr}`).toBe("SIGKILL");
        const reported = run.lines.filter((l) => l.startsWith("c ")).map((l) => Number(l.slice(2)));
        const ready = run.lines.find((l) => l.startsWith("ready "));
        const readyHead = ready === undefined ? undefined : Number(ready.slice(6));
        if (readyHead === undefined) killedBeforeReady++;
        reportedTotal += reported.length;

        if (key && round % 5 === 0 && readyHead !== undefined) {
          // The killed writer left its WAL behind: failed opens must not damage it.
          await expect(SqliteStore.open({ path })).rejects.toMatchObject({ code: "key-required" });
          await expect(SqliteStore.open({ path, key: "not the key" })).rejects.toBeInstanceOf(SqliteStoreError);
          wrongKeyChecks++;
        }

        const store = await SqliteStore.open({ path, key });
        try {
          const head = await verifyBatches(store, checkedUpTo);
          const maxReported = reported.length ? Math.max(...reported) : checkedUpTo;
          expect(head, "a reported batch is missing").toBeGreaterThanOrEqual(maxReported);
          expect(head, "committed batches went missing").toBeGreaterThanOrEqual(checkedUpTo);
          if (readyHead !== undefined) expect(readyHead).toBe(checkedUpTo);
          // The kill landed after the batch reached the WAL but before its id reached us: nearly always inside
          // COMMIT's fsync (the page cache survives a process kill). Atomic either way; counted to show that
          // kills do land mid-commit.
          if (head > maxReported) committedUnreported++;
          checkedUpTo = head;
          if (round % 5 === 4) expect(await store.integrityCheck()).toEqual([]);
        } finally {
          await store.close();
        }
      }

      // Final pass: every batch ever written, in full.
      const store = await SqliteStore.open({ path, key });
      const head = await verifyBatches(store, 0);
      expect(await store.integrityCheck()).toEqual([]);
      await store.close();
      expect(head + 1).toBeGreaterThanOrEqual(minBatches); // every commit a round waited for is there
      console.log(
        `[sigkill ${key ? "encrypted" : "plaintext"}] seed=${SEED} kills=${KILLS} batches committed=${head + 1} ` +
          `reported=${reportedTotal} killed-before-ready=${killedBeforeReady} ` +
          `kills-mid-commit-after-WAL-write=${committedUnreported} failed-key-opens-on-live-WAL=${wrongKeyChecks}`,
      );
    },
    600_000,
  );
});
