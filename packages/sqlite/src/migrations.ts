import type Database from "better-sqlite3-multiple-ciphers";
import { SqliteStoreError } from "./errors.js";

type Db = Database.Database;

/**
 * Versioned schema migrations. The list is append-only: a version that shipped is never edited, because
 * databases in the field were built by exactly that code; a change is always a new version. Every version has
 * a fixture database in test/fixtures (see make-fixtures.ts) that the tests migrate to the newest version.
 *
 * The schema version lives in `PRAGMA user_version` (part of the database header, so it is encrypted with the
 * file and changes atomically with the migration's transaction).
 */
export interface MigrationContext {
  /** Unix milliseconds at migration time. */
  readonly now: number;
  /** The version the database had before this open's migrations started (0 = a new database). */
  readonly from: number;
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Db, ctx: MigrationContext): void;
}

/** "PRLY": marks files as Parley stores so a foreign SQLite file is never migrated by mistake. */
export const APPLICATION_ID = 0x50524c59;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "kv table: namespaced keys (UTF-16BE blobs, memcmp order = JS string order) to byte values",
    up(db) {
      db.exec(`
        CREATE TABLE kv (
          ns    TEXT NOT NULL,
          key   BLOB NOT NULL,
          value BLOB NOT NULL,
          PRIMARY KEY (ns, key)
        ) WITHOUT ROWID;
      `);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: "meta table: when the store was created and when each later migration ran",
    up(db, ctx) {
      db.exec(`
        CREATE TABLE meta (
          name  TEXT NOT NULL PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
      // A database created by this open gets its creation time; an upgraded one only knows when it was upgraded.
      const put = db.prepare("INSERT INTO meta (name, value) VALUES (?, ?)");
      if (ctx.from === 0) put.run("created_at", String(ctx.now));
      else put.run("upgraded_from", String(ctx.from));
      put.run("migrated_at.2", String(ctx.now));
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: the newest version), one migration per IMMEDIATE transaction, so
 * a crash or a failing migration leaves a valid earlier version, and two processes opening the same file never
 * run a migration twice. Returns the version found before migrating. `migrations` is for tests only.
 */
export function migrate(db: Db, options: { target?: number; now: number; migrations?: readonly Migration[] }): number {
  const list = options.migrations ?? MIGRATIONS;
  const latest = list.length === 0 ? 0 : list[list.length - 1]!.version;
  const target = options.target ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new SqliteStoreError("invalid-options", `unknown schema version ${target}`);
  }
  const from = schemaVersion(db);
  assertOpenable(db, from, latest);
  for (const m of list) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      const current = schemaVersion(db);
      if (current >= m.version) return; // another connection got here first
      if (current !== m.version - 1) {
        throw new SqliteStoreError("corrupt", `schema version ${current} cannot be migrated to ${m.version}`);
      }
      m.up(db, { now: options.now, from });
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  assertOpenable(db, schemaVersion(db), latest);
  return from;
}

/** Rejects files this code must not touch: written by a newer Parley, or not created by Parley at all. */
export function assertOpenable(db: Db, version: number, latest = SCHEMA_VERSION): void {
  if (version > latest) {
    throw new SqliteStoreError(
      "newer-schema",
      `database schema version ${version} is newer than this code's ${latest}: upgrade Parley`,
    );
  }
  const appId = db.pragma("application_id", { simple: true }) as number;
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() as number;
    if (tables > 0 || appId !== 0)
      throw new SqliteStoreError("foreign-database", "not a Parley store (unknown tables)");
  } else if (appId !== APPLICATION_ID) {
    throw new SqliteStoreError("foreign-database", "not a Parley store (application_id differs)");
  }
}
