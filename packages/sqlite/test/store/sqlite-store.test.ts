import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParleyError, type WriteOp } from "@parley/core";
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore, SqliteStoreError, type SqliteStoreErrorCode } from "@parley/sqlite";
import Database from "better-sqlite3-multiple-ciphers";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `t-${n++}.db`);

const enc = new TextEncoder();
const put = (ns: string, key: string, value: string | Uint8Array): WriteOp => ({
  op: "put",
  ns,
  key,
  value: typeof value === "string" ? enc.encode(value) : value,
});

const MARKER = "PLAINTEXT-MARKER-7f3a9c";
const contains = (file: string, needle: string) =>
  existsSync(file) && readFileSync(file).includes(Buffer.from(needle, "utf8"));
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function expectCode(
  p: Promise<unknown> | (() => unknown),
  code: SqliteStoreErrorCode,
): Promise<SqliteStoreError> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SqliteStoreError);
  expect(caught).toBeInstanceOf(ParleyError);
  expect((caught as SqliteStoreError).code).toBe(code);
  return caught as SqliteStoreError;
}

async function seeded(path: string, key?: string | Uint8Array): Promise<void> {
  const s = await SqliteStore.open({ path, key });
  await s.commit([put("a", "k1", "v1"), put("a", "k2", MARKER), put("b", "k", "vb")]);
  await s.close();
}

describe("SqliteStore: durability settings", () => {
  it("uses WAL, synchronous=FULL and secure_delete on a file", async () => {
    const s = await SqliteStore.open({ path: freshPath() });
    expect(s.info.journalMode).toBe("wal");
    expect(s.info.synchronous).toBe(2);
    expect(s.info.secureDelete).toBe(true);
    expect(s.info.schemaVersion).toBe(SCHEMA_VERSION);
    expect(s.info.openedAtVersion).toBe(0);
    await s.close();
  });

  it("closing checkpoints the WAL into the file and removes it", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    await s.commit([put("a", "k", "v")]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await s.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM kv").pluck().get()).toBe(1);
    raw.close();
  });

  it("deleted values are overwritten in the file (secure_delete), not left in free pages", async () => {
    const path = freshPath();
    await seeded(path);
    expect(contains(path, MARKER)).toBe(true); // control: the check can see plaintext
    const s = await SqliteStore.open({ path });
    await s.commit([{ op: "delete", ns: "a", key: "k2" }]);
    await s.close();
    expect(contains(path, MARKER)).toBe(false);
  });
});

describe("SqliteStore: encryption at rest", () => {
  it("an encrypted file has no SQLite header and no plaintext, in the file or in the WAL", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path, key: "k" });
    expect(s.info.encrypted).toBe(true);
    await s.commit([put("secret", MARKER, MARKER)]);
    // While open, the newest pages live in the WAL.
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(contains(`${path}-wal`, MARKER)).toBe(false);
    expect(contains(path, MARKER)).toBe(false);
    await s.close();
    const head = readFileSync(path).subarray(0, 16).toString("latin1");
    expect(head).not.toBe("SQLite format 3\u0000");
    expect(contains(path, MARKER)).toBe(false);
    expect(contains(path, "secret")).toBe(false);
  });

  it("control: a plaintext file has the SQLite header and shows its data", async () => {
    const path = freshPath();
    await seeded(path);
    expect(readFileSync(path).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\u0000");
    expect(contains(path, MARKER)).toBe(true);
  });

  it("the right key reads the data back; a string key equals its UTF-8 bytes", async () => {
    const path = freshPath();
    await seeded(path, "pässword");
    const s = await SqliteStore.open({ path, key: enc.encode("pässword") });
    expect(await s.get("a", "k2")).toEqual(enc.encode(MARKER));
    await s.close();
  });

  it("binary keys with NUL and high bytes work", async () => {
    const path = freshPath();
    const key = new Uint8Array(32).map((_, i) => (i * 37) & 0xff);
    await seeded(path, key);
    const s = await SqliteStore.open({ path, key });
    expect(await s.get("b", "k")).toEqual(enc.encode("vb"));
    await s.close();
    const wrong = Uint8Array.from(key);
    wrong[31]! ^= 1;
    await expectCode(SqliteStore.open({ path, key: wrong }), "wrong-key");
  });

  it("a wrong key fails with wrong-key, a missing key with key-required; the file is untouched", async () => {
    const path = freshPath();
    await seeded(path, "right");
    const before = sha(path);
    const e = await expectCode(SqliteStore.open({ path, key: "wrong" }), "wrong-key");
    expect(e.message).not.toContain("wrong"); // the message never echoes key material
    await expectCode(SqliteStore.open({ path }), "key-required");
    await expectCode(SqliteStore.open({ path, readonly: true }), "key-required");
    await expectCode(SqliteStore.open({ path, key: "wrong", readonly: true }), "wrong-key");
    expect(sha(path)).toBe(before);
    const s = await SqliteStore.open({ path, key: "right" });
    expect(await s.get("a", "k1")).toEqual(enc.encode("v1"));
    await s.close();
  });

  // (A wrong key against a WAL left by a killed writer: test/durability/sigkill.test.ts.)
  it("an open with a wrong key while the writer's WAL holds uncheckpointed pages is refused and damages nothing", async () => {
    const path = freshPath();
    const writer = await SqliteStore.open({ path, key: "right" });
    await writer.commit([put("w", "k", "in-wal")]);
    // The writer holds the file: the key cannot even be tried (one writer per store, see test/lock).
    await expectCode(SqliteStore.open({ path, key: "wrong" }), "locked");
    await writer.close();
    const s = await SqliteStore.open({ path, key: "right" });
    expect(await s.get("w", "k")).toEqual(enc.encode("in-wal"));
    expect(await s.integrityCheck()).toEqual([]);
    await s.close();
  });

  it("a key on a plaintext database fails with not-encrypted and leaves it plaintext", async () => {
    const path = freshPath();
    await seeded(path);
    const before = sha(path);
    await expectCode(SqliteStore.open({ path, key: "k" }), "not-encrypted");
    expect(sha(path)).toBe(before);
    const s = await SqliteStore.open({ path });
    expect(await s.get("a", "k1")).toEqual(enc.encode("v1"));
    await s.close();
  });

  it("a file that is not a database: key-required without a key, wrong-key with one", async () => {
    const path = freshPath();
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    await expectCode(SqliteStore.open({ path }), "key-required");
    await expectCode(SqliteStore.open({ path, key: "k" }), "wrong-key");
  });

  it("rejects empty keys and keys on in-memory databases", async () => {
    const path = freshPath();
    await expectCode(SqliteStore.open({ path, key: "" }), "invalid-options");
    await expectCode(SqliteStore.open({ path, key: new Uint8Array(0) }), "invalid-options");
    expect(existsSync(path)).toBe(false);
    await expectCode(SqliteStore.open({ path: ":memory:", key: "k" }), "invalid-options");
  });

  it("rekey: the new key opens, the old one fails, data is intact", async () => {
    const path = freshPath();
    await seeded(path, "old");
    const s = await SqliteStore.open({ path, key: "old" });
    await s.rekey("new");
    expect(s.info.journalMode).toBe("wal");
    await s.commit([put("a", "after", "rekey")]);
    await s.close();
    await expectCode(SqliteStore.open({ path, key: "old" }), "wrong-key");
    const t = await SqliteStore.open({ path, key: "new" });
    expect(await t.get("a", "k2")).toEqual(enc.encode(MARKER));
    expect(await t.get("a", "after")).toEqual(enc.encode("rekey"));
    expect(await t.integrityCheck()).toEqual([]);
    await t.close();
  });

  it("rekey always has the only connection: a second one is refused before it exists", async () => {
    const path = freshPath();
    await seeded(path, "old");
    const a = await SqliteStore.open({ path, key: "old" });
    await expectCode(SqliteStore.open({ path, key: "old" }), "locked");
    await a.rekey("new");
    await a.commit([put("a", "still", "works")]);
    await a.close();
    const t = await SqliteStore.open({ path, key: "new" });
    expect(await t.get("a", "still")).toEqual(enc.encode("works"));
    expect(t.info.journalMode).toBe("wal");
    await t.close();
  });

  it("a rekey that fails before the swap leaves the store usable under the old key", async () => {
    const path = freshPath();
    await seeded(path, "old");
    mkdirSync(`${path}.rekey-tmp`); // the copy cannot be created where a directory stands
    const s = await SqliteStore.open({ path, key: "old" });
    await expect(s.rekey("new")).rejects.toBeInstanceOf(SqliteStoreError);
    await s.commit([put("a", "after", "failed rekey")]);
    expect(s.info.journalMode).toBe("wal");
    await s.close();
    rmSync(`${path}.rekey-tmp`, { recursive: true });
    await expectCode(SqliteStore.open({ path, key: "new" }), "wrong-key");
    const t = await SqliteStore.open({ path, key: "old" });
    expect(await t.get("a", "after")).toEqual(enc.encode("failed rekey"));
    expect(await t.get("a", "k2")).toEqual(enc.encode(MARKER));
    await t.close();
  });

  it("rekey removes a copy left by an earlier crash and keeps created_at", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path, key: "old", now: () => 1_650_000_000_000 });
    await s.commit([put("a", "k", "v")]);
    writeFileSync(`${path}.rekey-tmp`, "stale half-written copy");
    await s.rekey("new");
    expect(existsSync(`${path}.rekey-tmp`)).toBe(false);
    expect(await s.get("a", "k")).toEqual(enc.encode("v"));
    await s.close();
    const raw = new Database(path);
    raw.pragma("cipher = 'chacha20'");
    raw.key(Buffer.from("new"));
    expect(raw.prepare("SELECT value FROM meta WHERE name = 'created_at'").pluck().get()).toBe("1650000000000");
    raw.close();
  });

  it("rekey encrypts a plaintext store in place", async () => {
    const path = freshPath();
    await seeded(path);
    const s = await SqliteStore.open({ path });
    await s.rekey("now-encrypted");
    expect(s.info.encrypted).toBe(true);
    await s.close();
    expect(contains(path, MARKER)).toBe(false);
    await expectCode(SqliteStore.open({ path }), "key-required");
    const t = await SqliteStore.open({ path, key: "now-encrypted" });
    expect(await t.get("a", "k2")).toEqual(enc.encode(MARKER));
    await t.close();
  });
});

describe("SqliteStore: schema and migrations", () => {
  it("migrations are numbered 1..N without gaps and N is the current version", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("a new database records its creation time (injected clock)", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path, now: () => 1_700_000_000_000 });
    await s.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.prepare("SELECT value FROM meta WHERE name = 'created_at'").pluck().get()).toBe("1700000000000");
    raw.close();
  });

  it("refuses a database from a newer schema with newer-schema, and does not touch it", async () => {
    const path = freshPath();
    await seeded(path);
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = sha(path);
    const e = await expectCode(SqliteStore.open({ path }), "newer-schema");
    expect(e.message).toContain(String(SCHEMA_VERSION + 1));
    await expectCode(SqliteStore.open({ path, readonly: true }), "newer-schema");
    expect(sha(path)).toBe(before);
  });

  it("refuses an SQLite file that Parley did not create", async () => {
    const path = freshPath();
    const raw = new Database(path);
    raw.exec("CREATE TABLE contacts (name TEXT)");
    raw.close();
    const before = sha(path);
    await expectCode(SqliteStore.open({ path }), "foreign-database");
    expect(sha(path)).toBe(before);
  });

  it("refuses a file with another application's id", async () => {
    const path = freshPath();
    const raw = new Database(path);
    raw.pragma("application_id = 1234");
    raw.pragma("user_version = 1");
    raw.exec("CREATE TABLE kv (x)");
    raw.close();
    await expectCode(SqliteStore.open({ path }), "foreign-database");
  });

  it("two opens of one new file: one builds the schema, the other is refused with locked", async () => {
    const path = freshPath();
    const a = await SqliteStore.open({ path });
    await expectCode(SqliteStore.open({ path }), "locked");
    await a.commit([put("x", "from-a", "1")]);
    await a.close();
    const b = await SqliteStore.open({ path });
    expect(b.info.openedAtVersion).toBe(SCHEMA_VERSION);
    expect(await b.get("x", "from-a")).toEqual(enc.encode("1"));
    await b.close();
  });
});

describe("SqliteStore: modes and misuse", () => {
  it("read-only: reads work, commits fail with readonly", async () => {
    const path = freshPath();
    await seeded(path, "k");
    const s = await SqliteStore.open({ path, key: "k", readonly: true });
    expect(await s.get("a", "k1")).toEqual(enc.encode("v1"));
    expect((await s.scan("a")).length).toBe(2);
    await expectCode(s.commit([put("a", "x", "y")]), "readonly");
    await expectCode(s.rekey("other"), "readonly");
    await s.close();
  });

  it("read-only on a missing file fails with cannot-open and creates nothing", async () => {
    const path = freshPath();
    await expectCode(SqliteStore.open({ path, readonly: true }), "cannot-open");
    expect(existsSync(path)).toBe(false);
  });

  it("a directory that does not exist fails with cannot-open", async () => {
    await expectCode(SqliteStore.open({ path: join(dir, "no", "such", "dir.db") }), "cannot-open");
  });

  it("every call after close fails with closed; close is idempotent", async () => {
    const s = await SqliteStore.open({ path: ":memory:" });
    await s.close();
    await s.close();
    await expectCode(s.get("a", "b"), "store-closed");
    await expectCode(s.scan("a"), "store-closed");
    await expectCode(s.commit([put("a", "b", "c")]), "store-closed");
    await expectCode(s.integrityCheck(), "store-closed");
  });

  it("invalid ops and options carry typed codes", async () => {
    const s = await SqliteStore.open({ path: ":memory:" });
    await expectCode(s.commit([{ op: "nope" } as unknown as WriteOp]), "invalid-write");
    await expectCode(s.commit([put("\ud800", "k", "v")]), "invalid-write"); // namespaces must round-trip as TEXT
    await expectCode(s.commit("nope" as unknown as WriteOp[]), "invalid-write");
    await expectCode(s.scan("a", { limit: -1 }), "invalid-options");
    await expectCode(s.scan("a", { limit: 1.5 }), "invalid-options");
    await expectCode(s.get(5 as unknown as string, "k"), "invalid-options");
    await s.close();
  });

  it("integrityCheck reports a damaged file", async () => {
    const path = freshPath();
    const s = await SqliteStore.open({ path });
    const ops: WriteOp[] = [];
    for (let i = 0; i < 400; i++) ops.push(put("d", `k${i}`, new Uint8Array(300).fill(i & 0xff)));
    await s.commit(ops);
    await s.close();
    const sound = await SqliteStore.open({ path });
    expect(await sound.integrityCheck()).toEqual([]);
    await sound.close();
    const bytes = readFileSync(path);
    bytes.fill(0x00, 4096 * 3 + 100, 4096 * 3 + 3000); // scribble over an interior page
    writeFileSync(path, bytes);
    let problems: string[] | undefined;
    try {
      const t = await SqliteStore.open({ path });
      problems = await t.integrityCheck();
      await t.close();
    } catch (e) {
      expect(e).toBeInstanceOf(SqliteStoreError);
      problems = [(e as SqliteStoreError).code];
    }
    expect(problems.length).toBeGreaterThan(0);
  });
});
