import type { ScanOptions, Store, StoreEntry, WriteOp } from "@parley/core";
import Database from "better-sqlite3-multiple-ciphers";
import { applyKey, fileHeaderKind, keyBytes, type StoreKey } from "./encryption.js";
import { SqliteStoreError, toSqliteStoreError } from "./errors.js";
import { decodeKey, encodeKey, prefixEnd } from "./keys.js";
import { assertOpenable, migrate, SCHEMA_VERSION, schemaVersion } from "./migrations.js";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:" for a private in-memory database (no durability, no encryption). */
  readonly path: string;
  /** Encrypts the file at rest (see encryption.ts). A string is used as UTF-8; bytes are used as they are. */
  readonly key?: StoreKey;
  /** Opens without the ability to write; the schema must already be at this code's version. */
  readonly readonly?: boolean;
  /** How long to wait for another connection's lock before failing with "busy". Default 5000 ms. */
  readonly busyTimeoutMs?: number;
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

type Row = [Buffer, Buffer];
type Statement = Database.Statement<unknown[], unknown>;

/**
 * The Store interface on SQLite (better-sqlite3-multiple-ciphers). One table `kv(ns, key, value)` holds
 * everything; `commit` runs one IMMEDIATE transaction, so a batch is either fully durable or absent.
 *
 * Durability: WAL journal with synchronous=FULL, so a commit that returned has been fsynced to the WAL and
 * survives both a process kill (SIGKILL) and a power loss / OS crash (on macOS only with F_FULLFSYNC, which we
 * enable). secure_delete=ON overwrites deleted rows in the database file, so deleted key material (e.g. used
 * message keys) does not linger in free pages; old copies can still exist in the WAL until it is checkpointed.
 *
 * The underlying calls are synchronous; the async methods exist to satisfy the Store interface.
 */
export class SqliteStore implements Store {
  private db: Database.Database | undefined;
  private readonly stmtGet: Statement;
  private readonly stmtPut: Statement;
  private readonly stmtDelete: Statement;
  private readonly scans = new Map<string, Statement>();
  private readonly applyOps: (ops: readonly WriteOp[]) => void;

  private constructor(
    db: Database.Database,
    private infoValue: SqliteStoreInfo,
  ) {
    this.db = db;
    this.stmtGet = db.prepare("SELECT value FROM kv WHERE ns = ? AND key = ?").pluck();
    if (infoValue.readonly) {
      this.stmtPut = this.stmtGet;
      this.stmtDelete = this.stmtGet;
    } else {
      this.stmtPut = db.prepare("INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?, ?, ?)");
      this.stmtDelete = db.prepare("DELETE FROM kv WHERE ns = ? AND key = ?");
    }
    const tx = db.transaction((ops: readonly WriteOp[]) => {
      // Each op is checked as it is applied: a malformed op throws after earlier ops ran, and the transaction
      // rolls them back. (This is the path the atomicity tests exercise.)
      for (let i = 0; i < ops.length; i++) this.applyOne(ops[i], i);
    });
    this.applyOps = (ops) => tx.immediate(ops);
  }

  /** Opens (creating if needed) and migrates a store. Fails with a SqliteStoreError; never leaves a handle open. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    return SqliteStore.openSync(options);
  }

  static openSync(options: SqliteStoreOptions): SqliteStore {
    const { path, key } = options;
    const readonly = options.readonly ?? false;
    const memory = path === ":memory:";
    if (typeof path !== "string" || path === "") throw new SqliteStoreError("invalid-options", "path is required");
    if (memory && key !== undefined) {
      throw new SqliteStoreError("invalid-options", "an in-memory database cannot be encrypted at rest");
    }
    if (memory && readonly) throw new SqliteStoreError("invalid-options", "an in-memory database cannot be read-only");
    if (key !== undefined) keyBytes(key).fill(0); // rejects an empty key before any file is created

    // Classify by header before SQLite touches the file, so a key mismatch gets a precise error.
    if (!memory) {
      const header = fileHeaderKind(path);
      if (key !== undefined && header === "plaintext") {
        throw new SqliteStoreError("not-encrypted", "a key was given but the database is not encrypted");
      }
      if (key === undefined && header === "opaque") {
        throw new SqliteStoreError(
          "key-required",
          "the database is encrypted (or is not a database): a key is required",
        );
      }
    }

    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 5000 });
    } catch (err) {
      // The constructor fails only when the file cannot be opened or created (missing directory, permissions).
      const e = toSqliteStoreError(err, "opening the database");
      throw e.code === "sqlite" ? new SqliteStoreError("cannot-open", e.message, err) : e;
    }
    try {
      if (key !== undefined) applyKey(db, key);
      // The first read decrypts page 1: this is where a wrong key shows up, as SQLITE_NOTADB.
      try {
        db.prepare("SELECT count(*) FROM sqlite_schema").get();
      } catch (err) {
        if ((err as { code?: unknown }).code === "SQLITE_NOTADB") {
          throw key !== undefined
            ? new SqliteStoreError("wrong-key", "the key does not decrypt this database")
            : new SqliteStoreError(
                "key-required",
                "the database is encrypted (or is not a database): a key is required",
              );
        }
        throw err;
      }
      // Refuse foreign or newer files before anything (even the journal mode) is written to them.
      let openedAt = schemaVersion(db);
      assertOpenable(db, openedAt);
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      if (!readonly && !memory) db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      if (process.platform === "darwin") db.pragma("fullfsync = ON");
      db.pragma("secure_delete = ON");

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
      const journalMode = String(db.pragma("journal_mode", { simple: true }));
      const synchronous = Number(db.pragma("synchronous", { simple: true }));
      const secureDelete = Number(db.pragma("secure_delete", { simple: true })) === 1;
      return new SqliteStore(db, {
        path,
        encrypted: key !== undefined,
        readonly,
        schemaVersion: schemaVersion(db),
        openedAtVersion: openedAt,
        journalMode,
        synchronous,
        secureDelete,
      });
    } catch (err) {
      db.close();
      throw toSqliteStoreError(err, "opening the database");
    }
  }

  get info(): SqliteStoreInfo {
    return this.infoValue;
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    this.open();
    checkNs(ns);
    checkKey(key);
    try {
      const v = this.stmtGet.get(ns, encodeKey(key)) as Buffer | undefined;
      return v === undefined ? undefined : ownBytes(v);
    } catch (err) {
      throw toSqliteStoreError(err, "get");
    }
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    this.open();
    checkNs(ns);
    const { prefix, gte, lt, reverse = false, limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new SqliteStoreError("invalid-options", "scan limit must be a non-negative integer");
    }
    if (limit === 0) return [];
    // Fold prefix/gte/lt into one byte range [lower, upper).
    let lower: Buffer | undefined;
    let upper: Buffer | undefined;
    if (prefix !== undefined && prefix !== "") {
      lower = encodeKey(prefix);
      upper = prefixEnd(lower);
    }
    if (gte !== undefined) {
      const g = encodeKey(gte);
      if (lower === undefined || Buffer.compare(g, lower) > 0) lower = g;
    }
    if (lt !== undefined) {
      const l = encodeKey(lt);
      if (upper === undefined || Buffer.compare(l, upper) < 0) upper = l;
    }
    if (lower !== undefined && upper !== undefined && Buffer.compare(lower, upper) >= 0) return [];

    const params: unknown[] = [ns];
    if (lower !== undefined) params.push(lower);
    if (upper !== undefined) params.push(upper);
    if (limit !== undefined) params.push(limit);
    try {
      const rows = this.scanStatement(lower !== undefined, upper !== undefined, reverse, limit !== undefined).all(
        ...params,
      ) as Row[];
      return rows.map(([k, v]) => ({ key: decodeKey(k), value: ownBytes(v) }));
    } catch (err) {
      throw toSqliteStoreError(err, "scan");
    }
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    this.open();
    if (this.infoValue.readonly) throw new SqliteStoreError("readonly", "the store was opened read-only");
    if (!Array.isArray(ops)) throw new SqliteStoreError("invalid-write", "commit takes an array of operations");
    if (ops.length === 0) return;
    try {
      this.applyOps(ops);
    } catch (err) {
      throw toSqliteStoreError(err, "commit");
    }
  }

  /**
   * Changes the encryption key (or encrypts a plaintext store). SQLite3MultipleCiphers cannot rekey in WAL
   * mode, so the journal briefly switches to DELETE; this needs the only open connection to the file.
   */
  async rekey(newKey: StoreKey): Promise<void> {
    const db = this.open();
    if (this.infoValue.readonly) throw new SqliteStoreError("readonly", "the store was opened read-only");
    if (this.infoValue.path === ":memory:") {
      throw new SqliteStoreError("invalid-options", "an in-memory database cannot be encrypted at rest");
    }
    try {
      // SQLite keeps WAL mode (without an error) while other connections have the file open.
      if (db.pragma("journal_mode = DELETE", { simple: true }) !== "delete") {
        throw new SqliteStoreError("busy", "rekey needs the only open connection to the database");
      }
      try {
        applyKey(db, newKey, "rekey");
      } finally {
        db.pragma("journal_mode = WAL");
      }
    } catch (err) {
      throw toSqliteStoreError(err, "rekey");
    }
    this.infoValue = { ...this.infoValue, encrypted: true };
  }

  /** SQLite's full integrity check: [] when the file is sound, otherwise SQLite's findings. */
  async integrityCheck(): Promise<string[]> {
    const db = this.open();
    try {
      const msgs = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check);
      return msgs.length === 1 && msgs[0] === "ok" ? [] : msgs;
    } catch (err) {
      throw toSqliteStoreError(err, "integrity check");
    }
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db?.open) db.close();
  }

  private open(): Database.Database {
    if (this.db === undefined) throw new SqliteStoreError("store-closed", "the store is closed");
    return this.db;
  }

  private applyOne(op: WriteOp | undefined, index: number): void {
    if (typeof op !== "object" || op === null) throw invalidOp(index, "not an object");
    checkNs(op.ns, index);
    checkKey(op.key, index);
    if (op.op === "put") {
      if (!(op.value instanceof Uint8Array)) throw invalidOp(index, "put value must be a Uint8Array");
      this.stmtPut.run(op.ns, encodeKey(op.key), op.value);
    } else if (op.op === "delete") {
      this.stmtDelete.run(op.ns, encodeKey(op.key));
    } else {
      throw invalidOp(index, `unknown op ${JSON.stringify((op as { op?: unknown }).op)}`);
    }
  }

  private scanStatement(lower: boolean, upper: boolean, reverse: boolean, limit: boolean): Statement {
    const shape = `${+lower}${+upper}${+reverse}${+limit}`;
    let stmt = this.scans.get(shape);
    if (stmt === undefined) {
      const sql =
        "SELECT key, value FROM kv WHERE ns = ?" +
        (lower ? " AND key >= ?" : "") +
        (upper ? " AND key < ?" : "") +
        ` ORDER BY key ${reverse ? "DESC" : "ASC"}` +
        (limit ? " LIMIT ?" : "");
      stmt = this.open().prepare(sql).raw(true);
      this.scans.set(shape, stmt);
    }
    return stmt;
  }
}

function invalidOp(index: number, why: string): SqliteStoreError {
  return new SqliteStoreError("invalid-write", `operation ${index}: ${why}`);
}

/** Namespaces are TEXT (readable in the sqlite3 shell), so they must be well-formed UTF-16 to round-trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkNs(ns: unknown, index?: number): asserts ns is string {
  if (typeof ns !== "string" || LONE_SURROGATE.test(ns)) {
    const why = "namespace must be a well-formed string";
    throw index === undefined ? new SqliteStoreError("invalid-options", why) : invalidOp(index, why);
  }
}

function checkKey(key: unknown, index?: number): asserts key is string {
  if (typeof key !== "string") {
    const why = "key must be a string";
    throw index === undefined ? new SqliteStoreError("invalid-options", why) : invalidOp(index, why);
  }
}

/** better-sqlite3 hands out a fresh Buffer per value; expose it as a plain Uint8Array the caller owns. */
function ownBytes(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? new Uint8Array(b.buffer, 0, b.byteLength)
    : new Uint8Array(b);
}
