/**
 * Group commit, counted on disk: every SQLite transaction appends exactly one commit frame to the WAL (the
 * frame whose "database size after commit" field is non-zero), so counting those frames in the -wal file counts
 * transactions, hence fsyncs, independently of the store's own counters.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WriteOp } from "@parley/core";
import { SqliteStore, SqliteStoreError } from "@parley/sqlite";
import type Database from "better-sqlite3-multiple-ciphers";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-group-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `g-${n++}.db`);

const enc = new TextEncoder();
const dec = new TextDecoder();
const put = (key: string, value: string): WriteOp => ({ op: "put", ns: "g", key, value: enc.encode(value) });
const bad = { op: "nope" } as unknown as WriteOp;

/** Commit frames of the current WAL generation (frames whose salts match the WAL header's). */
function walCommits(path: string): number {
  const wal = `${path}-wal`;
  if (!existsSync(wal)) return 0;
  const b = readFileSync(wal);
  if (b.length < 32) return 0;
  const pageSize = b.readUInt32BE(8);
  const salt1 = b.readUInt32BE(16);
  const salt2 = b.readUInt32BE(20);
  let commits = 0;
  for (let off = 32; off + 24 + pageSize <= b.length; off += 24 + pageSize) {
    if (b.readUInt32BE(off + 8) !== salt1 || b.readUInt32BE(off + 12) !== salt2) break;
    if (b.readUInt32BE(off + 4) !== 0) commits++;
  }
  return commits;
}

async function text(s: SqliteStore, key: string): Promise<string | undefined> {
  const v = await s.get("g", key);
  return v === undefined ? undefined : dec.decode(v);
}

describe("SqliteStore: group commit", () => {
  it("control: awaited commits take one transaction each", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const before = walCommits(path);
    for (let i = 0; i < 5; i++) await s.commit([put(`k${i}`, "v")]);
    expect(walCommits(path) - before).toBe(5);
    expect(s.stats).toEqual({ commits: 5, transactions: 5 });
    await s.close();
  });

  it("ten commits issued together share one transaction; every promise waits for its COMMIT", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const before = walCommits(path);
    const seenAtResolve: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) =>
      s.commit([put(`k${i}`, `v${i}`)]).then(() => seenAtResolve.push(walCommits(path))),
    );
    expect(walCommits(path)).toBe(before); // nothing durable yet, and nothing resolved
    await Promise.all(all);
    expect(walCommits(path) - before).toBe(1);
    expect(seenAtResolve).toEqual(Array(10).fill(before + 1));
    expect(s.stats).toEqual({ commits: 10, transactions: 1 });
    for (let i = 0; i < 10; i++) expect(await text(s, `k${i}`)).toBe(`v${i}`);
    await s.close();
  });

  it("with groupCommit: false, the same ten commits take ten transactions", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path, groupCommit: false });
    const before = walCommits(path);
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.commit([put(`k${i}`, "v")])));
    expect(walCommits(path) - before).toBe(10);
    expect(s.stats).toEqual({ commits: 10, transactions: 10 });
    await s.close();
  });

  it("an invalid commit in a batch rejects alone; the others land in call order", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const before = walCommits(path);
    const results = await Promise.allSettled([
      s.commit([put("a", "1"), put("order", "first")]),
      s.commit([put("b", "2"), put("order", "second"), bad]), // its puts are rolled back to its savepoint
      s.commit([put("c", "3"), put("order", "third")]),
      s.commit([put("order", "fourth")]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const reason = (results[1] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(SqliteStoreError);
    expect((reason as SqliteStoreError).code).toBe("invalid-write");
    expect(walCommits(path) - before).toBe(1);
    expect([await text(s, "a"), await text(s, "b"), await text(s, "c")]).toEqual(["1", undefined, "3"]);
    expect(await text(s, "order")).toBe("fourth");
    await s.close();
  });

  it("the first commit of a batch failing does not stop the ones after it", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const results = await Promise.allSettled([s.commit([put("x", "no"), bad]), s.commit([put("y", "yes")])]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect([await text(s, "x"), await text(s, "y")]).toEqual([undefined, "yes"]);
    await s.close();
  });

  it("a read issued behind pending commits commits them first and sees them", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const before = walCommits(path);
    const p = s.commit([put("r", "pending")]);
    expect(await text(s, "r")).toBe("pending");
    expect(walCommits(path) - before).toBe(1);
    await p;
    expect(walCommits(path) - before).toBe(1);
    await s.close();
  });

  it("close lands commits already issued", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const p = s.commit([put("c", "before close")]);
    await s.close();
    await p;
    const again = await SqliteStore.open({ path });
    expect(await text(again, "c")).toBe("before close");
    await again.close();
  });

  it("SQLite failing while it writes (disk full) rejects the whole batch, and nothing of it lands", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    await s.commit([put("kept", "before")]);
    // A full disk, made real by capping the file's size (reaching into the store: no API should offer this).
    const db = (s as unknown as { conn: { db: Database.Database } }).conn.db;
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    const results = await Promise.allSettled([
      s.commit([put("small", "fits")]),
      s.commit([{ op: "put", ns: "g", key: "big", value: new Uint8Array(200_000) }]),
      s.commit([put("after", "queued behind")]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as SqliteStoreError).code).toBe("disk-full");
    db.pragma("max_page_count = 1073741823");
    // The batch that failed left nothing; the commit issued after the failure started a new batch.
    expect([await text(s, "kept"), await text(s, "small"), await text(s, "after")]).toEqual([
      "before",
      undefined,
      "queued behind",
    ]);
    await s.close();
  });
});
