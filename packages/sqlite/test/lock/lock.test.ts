/**
 * One writer per store: a second opening of a store's file, in this process or another, is refused at once
 * with StoreLockedError ("locked") naming the holder; the holder keeps working; a SIGKILLed holder leaves no
 * stale lock; the holder record is never trusted for the decision.
 */
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParleyError, type WriteOp } from "@parley/core";
import { FileLock, holderRecordPath, SqliteStore, SqliteStoreError, StoreLockedError } from "@parley/sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Holder, killHolders } from "./child.js";

const dir = mkdtempSync(join(tmpdir(), "parley-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(killHolders);
let n = 0;
const freshPath = () => join(dir, `l-${n++}.db`);

const enc = new TextEncoder();
const put = (key: string, value: string): WriteOp => ({ op: "put", ns: "t", key, value: enc.encode(value) });

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<StoreLockedError> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(StoreLockedError);
  expect(caught).toBeInstanceOf(SqliteStoreError);
  expect(caught).toBeInstanceOf(ParleyError);
  expect((caught as StoreLockedError).code).toBe("locked");
  return caught as StoreLockedError;
}

describe("one writer per store, in one process", () => {
  it.each([
    ["plaintext", undefined],
    ["encrypted", "k"],
  ] as const)("%s: a second open fails with locked and names this process; the first keeps working", async (_, key) => {
    const path = freshPath();
    const a = await SqliteStore.open({ path, key, holder: "first opener" });
    await a.commit([put("x", "1")]);
    // Whatever the key: in one process the table of held files answers before the file is touched.
    for (const second of [{ path, key }, { path, key, readonly: true }, { path, key: "another key" }, { path }]) {
      const e = await refusal(SqliteStore.open(second));
      expect(e.inThisProcess).toBe(true);
      expect(e.message).toContain(`pid ${process.pid}`);
      expect(e.message).toContain("first opener");
      expect(e.message).not.toContain("another key"); // never key material in a message
    }
    await a.commit([put("y", "2")]);
    expect(await a.get("t", "x")).toEqual(enc.encode("1"));
    expect(a.info.journalMode).toBe("wal");
    await a.close();
    const b = await SqliteStore.open({ path, key });
    expect(await b.get("t", "y")).toEqual(enc.encode("2"));
    expect(await b.integrityCheck()).toEqual([]);
    await b.close();
  });

  it("another name for the same file (symlink, hard link, ./ path) is the same store", async () => {
    const path = freshPath();
    const a = await SqliteStore.open({ path });
    symlinkSync(path, `${path}.sym`);
    linkSync(path, `${path}.hard`);
    for (const other of [`${path}.sym`, `${path}.hard`, join(dir, ".", `l-${n - 1}.db`)]) {
      await refusal(SqliteStore.open({ path: other }));
    }
    await a.commit([put("still", "mine")]);
    await a.close();
    rmSync(`${path}.sym`);
    rmSync(`${path}.hard`);
  });

  it("of two opens started together exactly one wins", async () => {
    const path = freshPath();
    const results = await Promise.allSettled([SqliteStore.open({ path }), SqliteStore.open({ path })]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((lost.reason as SqliteStoreError).code).toBe("locked");
    await (won[0] as PromiseFulfilledResult<SqliteStore>).value.close();
  });

  it("read-only opens share the file; a writer is refused while one is open, and they are refused while it is", async () => {
    const path = freshPath();
    const w = await SqliteStore.open({ path });
    await w.commit([put("x", "1")]);
    await w.close();
    const r = await SqliteStore.open({ path, readonly: true });
    // In one process a file is open once (see lock.ts), so the writer tried here is refused by the table of
    // held files; across processes SQLite's own locks refuse it (tested below).
    const e = await refusal(SqliteStore.open({ path }));
    expect(e.message).toContain("read-only");
    expect(await r.get("t", "x")).toEqual(enc.encode("1"));
    await r.close();
    const w2 = await SqliteStore.open({ path });
    await refusal(SqliteStore.open({ path, readonly: true }));
    await w2.close();
  });

  it("close releases the lock and removes the holder record; a refused open writes nothing", async () => {
    const path = freshPath();
    const a = await SqliteStore.open({ path, holder: "the holder" });
    const record = JSON.parse(readFileSync(holderRecordPath(path), "utf8")) as { pid: number; command: string };
    expect(record).toMatchObject({ pid: process.pid, command: "the holder" });
    const before = readFileSync(path);
    await refusal(SqliteStore.open({ path, holder: "the intruder" }));
    expect(readFileSync(holderRecordPath(path), "utf8")).toContain("the holder");
    expect(readFileSync(path).equals(before)).toBe(true);
    await a.close();
    expect(existsSync(holderRecordPath(path))).toBe(false);
    await (await SqliteStore.open({ path })).close();
  });

  it("the holder record is never trusted: a record naming a live process does not block an open", async () => {
    const path = freshPath();
    await (await SqliteStore.open({ path })).close();
    writeFileSync(holderRecordPath(path), JSON.stringify({ pid: process.ppid, command: "liar", since: "x" }));
    const s = await SqliteStore.open({ path, holder: "real" });
    expect(JSON.parse(readFileSync(holderRecordPath(path), "utf8"))).toMatchObject({ pid: process.pid });
    await s.close();
    writeFileSync(holderRecordPath(path), "not json at all");
    await (await SqliteStore.open({ path })).close();
  });

  it("rekey keeps the store locked, before and after the swap", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path, key: "old", holder: "rekeying" });
    await s.commit([put("x", "1")]);
    await s.rekey("new");
    const e = await refusal(SqliteStore.open({ path, key: "new" }));
    expect(e.message).toContain("rekeying");
    expect(JSON.parse(readFileSync(holderRecordPath(path), "utf8"))).toMatchObject({ command: "rekeying" });
    await s.commit([put("y", "2")]);
    await s.close();
    expect(existsSync(holderRecordPath(path))).toBe(false);
    const t = await SqliteStore.open({ path, key: "new" });
    expect(await t.get("t", "y")).toEqual(enc.encode("2"));
    await t.close();
  });

  it("in-memory stores are private and never locked", async () => {
    const a = await SqliteStore.open({ path: ":memory:" });
    const b = await SqliteStore.open({ path: ":memory:" });
    await a.close();
    await b.close();
  });
});

describe("one writer per store, across processes", () => {
  it.each([
    ["plaintext", ""],
    ["encrypted", "child key"],
  ] as const)(
    "%s: a store held by another process is refused with its pid; the holder keeps working",
    async (_, key) => {
      const path = freshPath();
      const holder = Holder.spawn(["store", path, key]);
      expect(await holder.outcome()).toEqual({ ready: true });
      await holder.send("put a 1", (l) => l === "ok");

      const e = await refusal(SqliteStore.open({ path, ...(key ? { key } : {}) }));
      expect(e.inThisProcess).toBe(false);
      expect(e.holder?.pid).toBe(holder.pid);
      expect(e.message).toContain(`process ${holder.pid}`);
      expect(e.message).toContain("lock-test holder");
      await refusal(SqliteStore.open({ path, ...(key ? { key } : {}), readonly: true }));
      // A second process is refused the same way, and the holder's data is intact and still writable.
      const second = Holder.spawn(["store", path, key]);
      const out = await second.outcome();
      expect(out).toMatchObject({ ready: false, code: "locked", pid: holder.pid });
      expect(await second.exit()).toBe(3);
      await holder.send("put b 2", (l) => l === "ok");
      expect(await holder.send("get a", (l) => l.startsWith("value") || l === "missing")).toBe("value 1");

      await holder.send("close", (l) => l === "closed");
      expect(await holder.exit()).toBe(0);
      const s = await SqliteStore.open({ path, ...(key ? { key } : {}) });
      expect(await s.get("t", "b")).toEqual(enc.encode("2"));
      await s.close();
    },
  );

  it("a read-only store in another process keeps writers out while it is open", async () => {
    const path = freshPath();
    await (await SqliteStore.open({ path })).close();
    const writer = Holder.spawn(["store", path]);
    expect(await writer.outcome()).toEqual({ ready: true });
    await writer.send("close", (l) => l === "closed");
    const r = await SqliteStore.open({ path, readonly: true });
    const refused = Holder.spawn(["store", path]);
    expect(await refused.outcome()).toMatchObject({ ready: false, code: "locked" });
    await r.close();
    const now = Holder.spawn(["store", path]);
    expect(await now.outcome()).toEqual({ ready: true });
    await now.send("close", (l) => l === "closed");
  });

  it("a SIGKILLed holder leaves no stale lock: the next open succeeds at once and keeps every commit", async () => {
    const path = freshPath();
    for (let round = 0; round < 3; round++) {
      const holder = Holder.spawn(["store", path, "kill key"]);
      expect(await holder.outcome()).toEqual({ ready: true });
      await holder.send(`put r${round} ${round}`, (l) => l === "ok");
      await holder.kill();
      // The record of the dead holder is still there; it must not matter.
      expect(JSON.parse(readFileSync(holderRecordPath(path), "utf8"))).toMatchObject({ pid: holder.pid });
      const s = await SqliteStore.open({ path, key: "kill key" });
      for (let i = 0; i <= round; i++) expect(await s.get("t", `r${i}`)).toEqual(enc.encode(String(i)));
      expect(await s.integrityCheck()).toEqual([]);
      await s.close();
    }
  });

  it("two processes racing to create the same store: exactly one holds it, the other is refused", async () => {
    for (let round = 0; round < 3; round++) {
      const path = freshPath();
      const a = Holder.spawn(["store", path]);
      const b = Holder.spawn(["store", path]);
      const outcomes = await Promise.all([a.outcome(), b.outcome()]);
      expect(outcomes.filter((o) => o.ready)).toHaveLength(1);
      expect(outcomes.find((o) => !o.ready)).toMatchObject({ code: "locked" });
      const winner = outcomes[0]!.ready ? a : b;
      await winner.send("put w 1", (l) => l === "ok");
      await winner.send("close", (l) => l === "closed");
    }
  });
});

describe("FileLock", () => {
  it("is exclusive in one process and across processes, names its holder and survives nothing after SIGKILL", async () => {
    const path = join(dir, `lock-${n++}`);
    const mine = FileLock.acquire(path, "the test resource", "parent holder");
    const e = await refusal(() => FileLock.acquire(path, "the test resource"));
    expect(e.message).toContain("the test resource");
    expect(e.inThisProcess).toBe(true);
    const other = Holder.spawn(["file-lock", path]);
    expect(await other.outcome()).toMatchObject({ ready: false, code: "locked", pid: process.pid });
    mine.release();
    mine.release();
    expect(existsSync(`${path}-journal`)).toBe(false);

    const child = Holder.spawn(["file-lock", path]);
    expect(await child.outcome()).toEqual({ ready: true });
    const again = await refusal(() => FileLock.acquire(path, "the test resource"));
    expect(again.holder?.pid).toBe(child.pid);
    await child.kill();
    FileLock.acquire(path, "the test resource").release();
  });
});
