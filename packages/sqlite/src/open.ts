import Database from "better-sqlite3-multiple-ciphers";
import { applyKey, fileHeaderKind, keyBytes, type StoreKey } from "./encryption.js";
import { SqliteStoreError, toSqliteStoreError } from "./errors.js";
import { HeldLock, refuseIfHeldHere } from "./lock.js";
import { assertOpenable, migrate, SCHEMA_VERSION, schemaVersion } from "./migrations.js";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:" for a private in-memory database (no durability, no encryption). */
  readonly path: string;
  /** Encrypts the file at rest (see encryption.ts). A string is used as UTF-8; bytes are used as they are. */
  readonly key?: StoreKey;
  /** Opens without the ability to write; the schema must already be at this code's version. */
  readonly readonly?: boolean;
  /**
   * How long a read-only connection waits on a lock before failing with "busy". Default 5000 ms. (Opening is
   * never a wait: a file another connection holds is refused at once with "locked".)
   */
  readonly busyTimeoutMs?: number;
  /**
   * How this process describes itself in the holder record, which a refused second opening quotes (for
   * example "parley chat --name alice"). Default: the process's command line.
   */
  readonly holder?: string;
  /**
   * Commits issued in the same event-loop turn share one transaction and one fsync (see group-commit.ts).
   * Default true; false gives every commit its own transaction.
   */
  readonly groupCommit?: boolean;
  /** Unix milliseconds; used only to stamp migrations. Default Date.now. */
  readonly now?: () => number;
}

export interface SqliteStoreInfo {
  readonly path: string;
  readonly encrypted: boolean;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  /** The version the file had when this open started (0 = created by this open). */
  readonly openedAtVersion: number;
  readonly journalMode: string;
  /** SQLite's synchronous level: 2 = FULL (fsync on every commit). */
  readonly synchronous: number;
  /** Whether deleted content is overwritten in the database file. */
  readonly secureDelete: boolean;
}

const keyRequired = () =>
  new SqliteStoreError("key-required", "the database is encrypted (or is not a database): a key is required");

export interface OpenedDatabase {
  readonly db: Database.Database;
  readonly info: SqliteStoreInfo;
  /** Undefined for ":memory:". Released by the caller when it closes `db`. */
  readonly lock: HeldLock | undefined;
}

/**
 * Opens, checks, locks (see lock.ts), configures and migrates a database. Fails with a SqliteStoreError and
 * never leaves a handle open. Nothing is written to a file that is refused (locked, wrong key, foreign, newer
 * schema).
 */
export function openDatabase(options: SqliteStoreOptions): OpenedDatabase {
  const { path, key } = options;
  const readonly = options.readonly ?? false;
  const memory = path === ":memory:";
  if (typeof path !== "string" || path === "") throw new SqliteStoreError("invalid-options", "path is required");
  if (memory && key !== undefined) {
    throw new SqliteStoreError("invalid-options", "an in-memory database cannot be encrypted at rest");
  }
  if (memory && readonly) throw new SqliteStoreError("invalid-options", "an in-memory database cannot be read-only");
  if (key !== undefined) keyBytes(key).fill(0); // rejects an empty key before any file is created

  const what = `the store ${path}`;
  // Before anything reads the file: in this process, closing any descriptor of it would drop a holder's lock.
  if (!memory) refuseIfHeldHere(path, what);
  // Classify by header before SQLite touches the file, so a key mismatch gets a precise error.
  if (!memory) {
    const header = fileHeaderKind(path);
    if (key !== undefined && header === "plaintext") {
      throw new SqliteStoreError("not-encrypted", "a key was given but the database is not encrypted");
    }
    if (key === undefined && header === "opaque") throw keyRequired();
  }

  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (err) {
    // The constructor fails only when the file cannot be opened or created (missing directory, permissions).
    const e = toSqliteStoreError(err, "opening the database");
    throw e.code === "sqlite" ? new SqliteStoreError("cannot-open", e.message, err) : e;
  }
  let lock: HeldLock | undefined;
  try {
    if (key !== undefined) applyKey(db, key);
    // Taking the lock reads page 1: a wrong key shows up here or at the next read, as SQLITE_NOTADB.
    try {
      if (!memory) lock = HeldLock.take(db, path, what, { holder: options.holder, readonly });
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
    } catch (err) {
      if ((err as { code?: unknown }).code === "SQLITE_NOTADB") {
        throw key !== undefined
          ? new SqliteStoreError("wrong-key", "the key does not decrypt this database")
          : keyRequired();
      }
      throw err;
    }
    // Refuse foreign or newer files before anything (even the journal mode) is written to them.
    let openedAt = schemaVersion(db);
    assertOpenable(db, openedAt);
    configure(db, { busyTimeoutMs, wal: !readonly && !memory });

    if (readonly) {
      if (openedAt < SCHEMA_VERSION) {
        throw new SqliteStoreError(
          "migration-required",
          `schema version ${openedAt} needs migrating to ${SCHEMA_VERSION}: open once read-write`,
        );
      }
    } else {
      openedAt = migrate(db, { now: (options.now ?? Date.now)() });
    }
    const info: SqliteStoreInfo = {
      path,
      encrypted: key !== undefined,
      readonly,
      schemaVersion: schemaVersion(db),
      openedAtVersion: openedAt,
      journalMode: String(db.pragma("journal_mode", { simple: true })),
      synchronous: Number(db.pragma("synchronous", { simple: true })),
      secureDelete: Number(db.pragma("secure_delete", { simple: true })) === 1,
    };
    return { db, info, lock };
  } catch (err) {
    lock?.release();
    db.close();
    throw toSqliteStoreError(err, "opening the database");
  }
}

/** The per-connection settings every store connection runs with (see SqliteStore's durability notes). */
export function configure(db: Database.Database, o: { busyTimeoutMs: number; wal: boolean }): void {
  db.pragma(`busy_timeout = ${o.busyTimeoutMs}`);
  if (o.wal) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  if (process.platform === "darwin") db.pragma("fullfsync = ON");
  db.pragma("secure_delete = ON");
}
