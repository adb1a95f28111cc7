/**
 * Every schema version that shipped is kept as a database file (test/fixtures, made by make-fixtures.ts).
 * Each one, plaintext and encrypted, must open with the current code, migrate to the current version and
 * still hold exactly the data it was written with.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore, SqliteStoreError } from "@parley/sqlite";
import Database from "better-sqlite3-multiple-ciphers";
import { afterAll, describe, expect, it } from "vitest";
import { applyKey } from "../../src/encryption.js";
import { migrate, schemaVersion } from "../../src/migrations.js";
import { FIXTURE_DELETED, FIXTURE_KEY, FIXTURE_TIME, fixtureEntries } from "./fixture-data.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "parley-fixtures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtureName = (v: number, encrypted: boolean) => `schema-v${v}${encrypted ? "-encrypted" : ""}.db`;
let copies = 0;
/** Tests work on a copy; the committed fixture is never opened for writing. */
function copyOf(v: number, encrypted: boolean): string {
  const to = join(dir, `${copies++}-${fixtureName(v, encrypted)}`);
  copyFileSync(join(FIXTURES, fixtureName(v, encrypted)), to);
  return to;
}

async function expectData(store: SqliteStore): Promise<void> {
  const expected = fixtureEntries();
  const byNs = new Map<string, typeof expected>();
  for (const e of expected) byNs.set(e.ns, [...(byNs.get(e.ns) ?? []), e]);
  for (const [ns, entries] of byNs) {
    const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const got = await store.scan(ns);
    expect(
      got.map((e) => e.key),
      ns,
    ).toEqual(sorted.map((e) => e.key));
    got.forEach((e, i) => {
      expect(Buffer.from(e.value).equals(Buffer.from(sorted[i]!.value)), `${ns}/${e.key}`).toBe(true);
    });
  }
  for (const d of FIXTURE_DELETED) expect(await store.get(d.ns, d.key)).toBeUndefined();
  expect(await store.integrityCheck()).toEqual([]);
}

const versions = MIGRATIONS.map((m) => m.version);
const cases = versions.flatMap((v) => [
  { v, encrypted: false, label: `v${v}` },
  { v, encrypted: true, label: `v${v} encrypted` },
]);

describe("schema fixtures", () => {
  it("every schema version has a plaintext and an encrypted fixture", () => {
    expect(versions.at(-1)).toBe(SCHEMA_VERSION);
    for (const { v, encrypted } of cases) {
      expect(existsSync(join(FIXTURES, fixtureName(v, encrypted))), fixtureName(v, encrypted)).toBe(true);
    }
  });

  it.each(cases)("$label: opens, migrates to the current version and keeps every entry", async ({ v, encrypted }) => {
    const path = copyOf(v, encrypted);
    const header = readFileSync(path).subarray(0, 16).toString("latin1");
    expect(header === "SQLite format 3\u0000").toBe(!encrypted);
    const key = encrypted ? FIXTURE_KEY : undefined;

    const store = await SqliteStore.open({ path, key, now: () => FIXTURE_TIME + 1 });
    expect(store.info.openedAtVersion).toBe(v);
    expect(store.info.schemaVersion).toBe(SCHEMA_VERSION);
    await expectData(store);
    // The store keeps working after migration.
    await store.commit([{ op: "put", ns: "after", key: "migration", value: new Uint8Array([v]) }]);
    await store.close();

    // The migration is persistent: the next open starts at the current version.
    const again = await SqliteStore.open({ path, key });
    expect(again.info.openedAtVersion).toBe(SCHEMA_VERSION);
    await expectData(again);
    expect(await again.get("after", "migration")).toEqual(new Uint8Array([v]));
    await again.close();
  });

  it.each(cases.filter((c) => c.encrypted))("$label: without its key fails cleanly", async ({ v }) => {
    const path = copyOf(v, true);
    await expect(SqliteStore.open({ path })).rejects.toMatchObject({ code: "key-required" });
    await expect(SqliteStore.open({ path, key: "not the fixture key" })).rejects.toMatchObject({ code: "wrong-key" });
    const store = await SqliteStore.open({ path, key: FIXTURE_KEY });
    await expectData(store);
    await store.close();
  });

  it("v1 → v2 records that the store was upgraded, not when it was created", async () => {
    const path = copyOf(1, false);
    await (await SqliteStore.open({ path, now: () => 1_800_000_000_000 })).close();
    const raw = new Database(path, { readonly: true });
    const meta = Object.fromEntries(
      (raw.prepare("SELECT name, value FROM meta").all() as { name: string; value: string }[]).map((r) => [
        r.name,
        r.value,
      ]),
    );
    raw.close();
    expect(meta).toEqual({ upgraded_from: "1", "migrated_at.2": "1800000000000" });
  });

  it("a read-only open of an old schema asks for a migration and changes nothing", async () => {
    const path = copyOf(1, false);
    const before = readFileSync(path);
    await expect(SqliteStore.open({ path, readonly: true })).rejects.toMatchObject({ code: "migration-required" });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("a migration that fails leaves the previous version and the data intact", async () => {
    for (const encrypted of [false, true]) {
      const path = copyOf(1, encrypted);
      const db = new Database(path);
      if (encrypted) applyKey(db, FIXTURE_KEY);
      const failing = {
        version: SCHEMA_VERSION + 1,
        description: "fails halfway",
        up(d: Database.Database) {
          d.exec("CREATE TABLE half_done (x)");
          d.exec("DELETE FROM kv");
          throw new Error("migration bug");
        },
      };
      expect(() => migrate(db, { now: 1, migrations: [...MIGRATIONS, failing] })).toThrow("migration bug");
      // Every earlier migration committed on its own; the failing one left no trace.
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
      db.close();
      const store = await SqliteStore.open({ path, key: encrypted ? FIXTURE_KEY : undefined });
      await expectData(store);
      await store.close();
    }
  });

  it("a database at a newer version than this code is refused with newer-schema", async () => {
    const path = copyOf(SCHEMA_VERSION, false);
    const db = new Database(path);
    const future = {
      version: SCHEMA_VERSION + 1,
      description: "from the future",
      up(d: Database.Database) {
        d.exec("CREATE TABLE future (x)");
      },
    };
    migrate(db, { now: 1, migrations: [...MIGRATIONS, future] });
    db.close();
    const err = await SqliteStore.open({ path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteStoreError);
    expect((err as SqliteStoreError).code).toBe("newer-schema");
  });
});
