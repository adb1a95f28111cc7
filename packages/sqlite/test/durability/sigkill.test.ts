/**
 * Crash durability with real processes: a child (writer.ts) commits batches in a loop and reports each id
 * after `commit` returned; we SIGKILL it at random moments (during startup, open, WAL recovery, commits,
 * checkpoints), reopen the file and check that every reported batch is there, that batches form an unbroken
 * sequence 0..head, that no batch is partly present, and that the file passes SQLite's integrity check.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore, SqliteStoreError } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { countOf, entryValue, expectedSum, pad } from "./batches.js";

const KILLS = 50;
const WRITER = fileURLToPath(new URL("./writer.ts", import.meta.url));
const TSCONFIG = fileURLToPath(new URL("./tsconfig.json", import.meta.url));
const SEED = Number(process.env.PARLEY_CRASH_SEED ?? 0xc0ffee);

const dir = mkdtempSync(join(tmpdir(), "parley-sigkill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  reported: number[];
  readyHead: number | undefined;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs one writer and kills it `delayMs` after spawn (beforeReady) or after it reported ready. */
function runWriter(path: string, key: string | undefined, beforeReady: boolean, delayMs: number): Promise<ChildRun> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", WRITER, path, key ?? ""], {
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: ChildRun = { reported: [], readyHead: undefined, signal: null, stderr: "" };
  let buffered = "";
  let timer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  if (beforeReady) timer = setTimeout(kill, delayMs);
  // Safety net: never leave a writer running, whatever happens to the test.
  const safety = setTimeout(kill, 20_000);
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
      const [tag, value] = line.split(" ");
      if (tag === "c") run.reported.push(Number(value));
      else if (tag === "ready") {
        run.readyHead = Number(value);
        if (!beforeReady) timer = setTimeout(kill, delayMs);
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    run.stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(safety);
      run.signal = signal;
      resolve(run);
    });
  });
}

const dec = new TextDecoder();

/** Checks batches (from, head] in full; returns head. */
async function verify(store: SqliteStore, checkedUpTo: number): Promise<number> {
  const headBytes = await store.get("head", "last");
  const head = headBytes === undefined ? -1 : Number(dec.decode(headBytes));

  // Batches form exactly 0..head: nothing missing, nothing beyond the head.
  const batches = await store.scan("batch");
  expect(batches.map((e) => e.key)).toEqual(Array.from({ length: head + 1 }, (_, i) => pad(i)));
  for (const e of batches) expect(Number(dec.decode(e.value))).toBe(countOf(Number(e.key)));
  // No data of an uncommitted batch.
  expect(await store.scan("data", { gte: pad(head + 1) })).toEqual([]);
  const sum = await store.get("counter", "sum");
  expect(sum === undefined ? 0 : Number(dec.decode(sum))).toBe(expectedSum(head));

  for (let id = Math.max(0, checkedUpTo - 5); id <= head; id++) {
    const entries = await store.scan("data", { prefix: `${pad(id)}/` });
    const expected: string[] = [];
    for (let j = 0; j < countOf(id); j++) if (!(j === 0 && id + 5 <= head)) expected.push(`${pad(id)}/${j}`);
    expect(entries.map((e) => e.key).sort()).toEqual(expected.sort());
    for (const e of entries) {
      const j = Number(e.key.split("/")[1]);
      expect(Buffer.from(e.value).equals(Buffer.from(entryValue(id, j))), e.key).toBe(true);
    }
  }
  return head;
}

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

      for (let round = 0; round < KILLS; round++) {
        // One kill in five lands anywhere from process start (startup, open, WAL recovery, migration);
        // the rest land 0..60 ms into the write loop.
        const beforeReady = random() < 0.2;
        const delay = beforeReady ? random() * 500 : random() * 60;
        const run = await runWriter(path, key, beforeReady, delay);
        expect(run.signal, `writer died on its own: ${run.stderr}`).toBe("SIGKILL");
        if (run.readyHead === undefined) killedBeforeReady++;
        reportedTotal += run.reported.length;

        if (key && round % 5 === 0 && run.readyHead !== undefined) {
          // The killed writer left its WAL behind: failed opens must not damage it.
          await expect(SqliteStore.open({ path })).rejects.toMatchObject({ code: "key-required" });
          await expect(SqliteStore.open({ path, key: "not the key" })).rejects.toBeInstanceOf(SqliteStoreError);
          wrongKeyChecks++;
        }

        const store = await SqliteStore.open({ path, key });
        try {
          const head = await verify(store, checkedUpTo);
          const maxReported = run.reported.length ? Math.max(...run.reported) : checkedUpTo;
          expect(head, "a reported batch is missing").toBeGreaterThanOrEqual(maxReported);
          expect(head, "committed batches went missing").toBeGreaterThanOrEqual(checkedUpTo);
          if (run.readyHead !== undefined) expect(run.readyHead).toBe(checkedUpTo);
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
      const head = await verify(store, 0);
      expect(await store.integrityCheck()).toEqual([]);
      await store.close();
      expect(head).toBeGreaterThan(KILLS); // the writers made real progress
      console.log(
        `[sigkill ${key ? "encrypted" : "plaintext"}] seed=${SEED} kills=${KILLS} batches committed=${head + 1} ` +
          `reported=${reportedTotal} killed-before-ready=${killedBeforeReady} ` +
          `kills-mid-commit-after-WAL-write=${committedUnreported} failed-key-opens-on-live-WAL=${wrongKeyChecks}`,
      );
    },
    240_000,
  );
});
