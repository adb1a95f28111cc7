/**
 * Rekey under SIGKILL: a child alternates the key of an encrypted store between two keys (a commit before each
 * rekey) and is killed at random moments, often inside a rekey, which rewrites every page through a rollback
 * journal. After each kill the file must open with exactly one of the two keys (trying them in random order,
 * so a wrong key meets a hot journal too), hold every reported batch, and pass the integrity check.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore, SqliteStoreError } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { verifyBatches } from "./check.js";
import { prng, runAndKill } from "./child.js";

const KILLS = 20;
const WRITER = fileURLToPath(new URL("./rekey-writer.ts", import.meta.url));
const SEED = Number(process.env.PARLEY_CRASH_SEED ?? 0xc0ffee) + 7;
const KEYS = ["first key", "second key"] as const;

const dir = mkdtempSync(join(tmpdir(), "parley-rekey-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Opens with whichever key works, trying them in the given order; exactly one may work. */
async function openWithEither(path: string, order: readonly number[]): Promise<{ store: SqliteStore; key: number }> {
  const failures: string[] = [];
  for (const k of order) {
    try {
      return { store: await SqliteStore.open({ path, key: KEYS[k] }), key: k };
    } catch (err) {
      expect(err).toBeInstanceOf(SqliteStoreError);
      failures.push((err as SqliteStoreError).code);
    }
  }
  throw new Error(`neither key opens the store: ${failures.join(", ")}`);
}

describe("SqliteStore rekey survives SIGKILL", () => {
  it(`${KILLS} kills during alternating rekeys: the file always opens with one of the keys, intact`, async () => {
    const path = join(dir, "rekey.db");
    const random = prng(SEED);
    let checkedUpTo = -1;
    let rekeysReported = 0;
    let rekeyDoneUnreported = 0;
    let wrongKeyFirst = 0;
    let killedMidRekey = 0;

    for (let round = 0; round < KILLS; round++) {
      const beforeReady = random() < 0.2;
      // After ready, the kill waits for 1 or 2 commits (after the second, the first rekey has returned), then
      // lands 0..400 ms later: in a commit, a rekey or between them, whatever the machine's speed.
      const commits = beforeReady ? 0 : 1 + Math.floor(random() * 2);
      const delay = random() * (beforeReady ? 500 : 400);
      const run = await runAndKill(WRITER, [path, KEYS[0], KEYS[1]], beforeReady, delay, commits);
      expect(run.signal, `writer died on its own: ${run.stderr}`).toBe("SIGKILL");
      if (round === 0 && !run.sawReady) continue; // killed before the file existed

      // The key the child last knew it had: its last rekey report, else the key it opened with.
      let expectedKey: number | undefined;
      const reported: number[] = [];
      for (const line of run.lines) {
        const [tag, a, b] = line.split(" ");
        if (tag === "ready") expectedKey = Number(a);
        if (tag === "k") {
          expectedKey = Number(b);
          rekeysReported++;
        }
        if (tag === "c") reported.push(Number(a));
      }

      // A leftover copy means the kill landed inside a rekey, before its atomic rename.
      if (existsSync(`${path}.rekey-tmp`)) killedMidRekey++;
      await expect(SqliteStore.open({ path })).rejects.toMatchObject({ code: "key-required" });
      const order = random() < 0.5 ? [0, 1] : [1, 0];
      const { store, key } = await openWithEither(path, order);
      if (key !== order[0]) wrongKeyFirst++;
      // A rekey that finished but was not reported yet is fine; anything else means the reported key is current.
      if (expectedKey !== undefined && key !== expectedKey) rekeyDoneUnreported++;
      try {
        const head = await verifyBatches(store, checkedUpTo);
        expect(head).toBeGreaterThanOrEqual(reported.length ? Math.max(...reported) : checkedUpTo);
        expect(head).toBeGreaterThanOrEqual(checkedUpTo);
        checkedUpTo = head;
        expect(await store.integrityCheck()).toEqual([]);
        expect(store.info.journalMode).toBe("wal");
      } finally {
        await store.close();
      }
      // The other key must not open it.
      await expect(SqliteStore.open({ path, key: KEYS[1 - key] })).rejects.toMatchObject({ code: "wrong-key" });
    }

    const { store } = await openWithEither(path, [0, 1]);
    const head = await verifyBatches(store, 0);
    await store.close();
    expect(rekeysReported + killedMidRekey, "no rekey was exercised").toBeGreaterThan(0);
    console.log(
      `[rekey-crash] seed=${SEED} kills=${KILLS} batches=${head + 1} rekeys-reported=${rekeysReported} ` +
        `kills-mid-rekey=${killedMidRekey} rekey-done-before-report=${rekeyDoneUnreported} ` +
        `opens-where-the-first-key-tried-was-wrong=${wrongKeyFirst}`,
    );
  }, 600_000);
});
