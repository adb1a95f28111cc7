import type { ScanOptions, Store, StoreEntry, WriteOp } from "@parley/core";
import type Database from "better-sqlite3-multiple-ciphers";
import { checkKey, checkNs, checkOps } from "./checks.js";
import type { StoreKey } from "./encryption.js";
import { SqliteStoreError, toSqliteStoreError } from "./errors.js";
import { GroupCommit } from "./group-commit.js";
import { decodeKey, encodeKey, prefixEnd } from "./keys.js";
import type { HeldLock } from "./lock.js";
import { openDatabase, type SqliteStoreInfo, type SqliteStoreOptions } from "./open.js";
import { rewriteWithKey } from "./rekey.js";

type Row = [Buffer, Buffer];

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Above this many bytes a value may spill into overflow pages: SQLite keeps at most ~1,002 payload bytes (ns +
 * key + value) of an index b-tree cell (WITHOUT ROWID tables are index b-trees) on a 4 KiB page. A threshold
 * below that only costs a needless DELETE for mid-sized values.
 */
const OVERFLOW_THRESHOLD = 500;

/** One open database with its prepared statements; replaced as a whole by `rekey`. */
class Connection {
  readonly get: Statement;
  private readonly put: Statement | undefined;
  private readonly del: Statement | undefined;
  private readonly scans = new Map<string, Statement>();
  /** Checks and applies a commit in its own IMMEDIATE transaction. */
  readonly apply: (ops: readonly WriteOp[]) => void;
  readonly begin: Statement | undefined;
  readonly end: Statement | undefined;
  readonly rollback: Statement | undefined;

  constructor(
    readonly db: Database.Database,
    readonly: boolean,
    /** This connection's hold on the file (see lock.ts); undefined for ":memory:". */
    readonly lock: HeldLock | undefined,
  ) {
    this.get = db.prepare("SELECT value FROM kv WHERE ns = ? AND key = ?").pluck();
    if (!readonly) {
      this.put = db.prepare("INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?, ?, ?)");
      this.del = db.prepare("DELETE FROM kv WHERE ns = ? AND key = ?");
      this.begin = db.prepare("BEGIN IMMEDIATE");
      this.end = db.prepare("COMMIT");
      this.rollback = db.prepare("ROLLBACK");
    }
    const tx = db.transaction((ops: readonly WriteOp[]) => this.write(ops));
    this.apply = (ops) => {
      checkOps(ops);
      tx.immediate(ops);
    };
  }

  /**
   * Runs the statements of ops that `checkOps` accepted, inside the open transaction. Only SQLite itself can
   * fail here (I/O, disk full); the caller then rolls the transaction back.
   */
  write(ops: readonly WriteOp[]): void {
    for (const op of ops) {
      const key = encodeKey(op.key);
      if (op.op === "put") {
        // A value too large for its b-tree page lives in overflow pages. Replacing it in place allocates the
        // new chain before freeing the old one, and secure_delete then writes the freed pages again as zeros:
        // twice the pages. Deleting first frees (and zeroes) the old chain, and the new value reuses them.
        if (op.value.length > OVERFLOW_THRESHOLD) this.del!.run(op.ns, key);
        this.put!.run(op.ns, key, op.value);
      } else {
        this.del!.run(op.ns, key);
      }
    }
  }

  scan(lower: boolean, upper: boolean, reverse: boolean, limit: boolean): Statement {
    const shape = `${+lower}${+upper}${+reverse}${+limit}`;
    let stmt = this.scans.get(shape);
    if (stmt === undefined) {
      const sql =
        "SELECT key, value FROM kv WHERE ns = ?" +
        (lower ? " AND key >= ?" : "") +
        (upper ? " AND key < ?" : "") +
        ` ORDER BY key ${reverse ? "DESC" : "ASC"}` +
        (limit ? " LIMIT ?" : "");
      stmt = this.db.prepare(sql).raw(true);
      this.scans.set(shape, stmt);
    }
    return stmt;
  }
}

/**
 * The Store interface on SQLite (better-sqlite3-multiple-ciphers). One table `kv(ns, key, value)` holds
 * everything; a commit's ops are either fully durable or absent. Commits issued in the same event-loop turn
 * share one IMMEDIATE transaction (group commit, see group-commit.ts): one fsync for a burst, each commit
 * still whole or absent on its own, and each promise settled only after the shared COMMIT returned.
 *
 * Durability: WAL journal with synchronous=FULL, so a commit that returned has been fsynced to the WAL and
 * survives both a process kill (SIGKILL) and a power loss / OS crash (on macOS only with F_FULLFSYNC, which we
 * enable). secure_delete=ON overwrites deleted rows in the database file, so deleted key material (e.g. used
 * message keys) does not linger in free pages; old copies can still exist in the WAL until it is checkpointed.
 *
 * One writer: a store holds its file exclusively from open to close (see lock.ts). A second opening, in this
 * process or another, fails at once with StoreLockedError (code "locked") naming the holding process; a
 * holder that crashed leaves no stale lock.
 *
 * The underlying calls are synchronous; the async methods exist to satisfy the Store interface.
 */
export class SqliteStore implements Store {
  private conn: Connection | undefined;
  /** Undefined when the store was opened with `groupCommit: false`: one transaction per commit. */
  private readonly group: GroupCommit | undefined;
  private singleCommits = 0;

  private constructor(
    db: Database.Database,
    lock: HeldLock | undefined,
    private infoValue: SqliteStoreInfo,
    private readonly options: SqliteStoreOptions,
  ) {
    this.conn = new Connection(db, infoValue.readonly, lock);
    if (options.groupCommit !== false) this.group = new GroupCommit();
  }

  /** Opens (creating if needed) and migrates a store. Fails with a SqliteStoreError; never leaves a handle open. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    return SqliteStore.openSync(options);
  }

  static openSync(options: SqliteStoreOptions): SqliteStore {
    const { db, info, lock } = openDatabase(options);
    // Keep everything but the key: it is needed only at open and at rekey.
    return new SqliteStore(db, lock, info, { ...options, key: undefined });
  }

  get info(): SqliteStoreInfo {
    return this.infoValue;
  }

  /** Commits accepted and the SQLite transactions (so fsyncs, on a file) they took, since the store opened. */
  get stats(): { readonly commits: number; readonly transactions: number } {
    const g = this.group;
    return g === undefined
      ? { commits: this.singleCommits, transactions: this.singleCommits }
      : { commits: g.commits, transactions: g.transactions };
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const conn = this.connection();
    checkNs(ns);
    checkKey(key);
    this.group?.settle(); // reads see durable state only
    try {
      const v = conn.get.get(ns, encodeKey(key)) as Buffer | undefined;
      return v === undefined ? undefined : ownBytes(v);
    } catch (err) {
      throw toSqliteStoreError(err, "get");
    }
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    const conn = this.connection();
    checkNs(ns);
    const { prefix, gte, lt, reverse = false, limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new SqliteStoreError("invalid-options", "scan limit must be a non-negative integer");
    }
    if (limit === 0) return [];
    this.group?.settle(); // reads see durable state only
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
      const stmt = conn.scan(lower !== undefined, upper !== undefined, reverse, limit !== undefined);
      return (stmt.all(...params) as Row[]).map(([k, v]) => ({ key: decodeKey(k), value: ownBytes(v) }));
    } catch (err) {
      throw toSqliteStoreError(err, "scan");
    }
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    const conn = this.connection();
    if (this.infoValue.readonly) throw new SqliteStoreError("readonly", "the store was opened read-only");
    if (!Array.isArray(ops)) throw new SqliteStoreError("invalid-write", "commit takes an array of operations");
    if (ops.length === 0) return;
    if (this.group !== undefined) return this.group.enqueue(conn, ops);
    try {
      conn.apply(ops);
    } catch (err) {
      throw toSqliteStoreError(err, "commit");
    }
    this.singleCommits++;
  }

  /**
   * Re-encrypts the store under `newKey` (or encrypts a plaintext store), crash-safely: see rekey.ts. Needs the
   * only open connection to the file (else "busy"). Costs a full copy of the data.
   */
  async rekey(newKey: StoreKey): Promise<void> {
    const conn = this.connection();
    if (this.infoValue.readonly) throw new SqliteStoreError("readonly", "the store was opened read-only");
    if (this.infoValue.path === ":memory:") {
      throw new SqliteStoreError("invalid-options", "an in-memory database cannot be encrypted at rest");
    }
    this.group?.settle();
    try {
      rewriteWithKey(conn.db, this.infoValue.path, newKey, this.options.busyTimeoutMs ?? 5000);
    } catch (err) {
      throw toSqliteStoreError(err, "rekey");
    }
    // The file at the path is now the re-encrypted copy: swap connections. The old connection still locks the
    // old (unlinked) file; between the rename and this open, another process could take the new one first,
    // and then this store closes with "locked": never two writers.
    this.conn = undefined;
    try {
      const { db, info, lock } = openDatabase({ ...this.options, key: newKey });
      this.conn = new Connection(db, false, lock);
      this.infoValue = { ...info, openedAtVersion: this.infoValue.openedAtVersion };
    } catch (err) {
      throw toSqliteStoreError(err, "reopening after rekey");
    } finally {
      // The new connection (if any) wrote the holder record for the same path: keep it.
      conn.lock?.release({ keepRecord: this.conn !== undefined });
      conn.db.close();
    }
  }

  /** SQLite's full integrity check: [] when the file is sound, otherwise SQLite's findings. */
  async integrityCheck(): Promise<string[]> {
    const { db } = this.connection();
    this.group?.settle();
    try {
      const msgs = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check);
      return msgs.length === 1 && msgs[0] === "ok" ? [] : msgs;
    } catch (err) {
      throw toSqliteStoreError(err, "integrity check");
    }
  }

  /** Closes the database (checkpointing the WAL) and releases its lock. Idempotent. */
  async close(): Promise<void> {
    // Commits already issued land before the connection goes.
    if (this.conn !== undefined) this.group?.settle();
    const conn = this.conn;
    this.conn = undefined;
    // The holder record goes first: once the lock is released, the next holder writes its own.
    conn?.lock?.release();
    if (conn?.db.open) conn.db.close();
  }

  private connection(): Connection {
    if (this.conn === undefined) throw new SqliteStoreError("store-closed", "the store is closed");
    return this.conn;
  }
}

/** better-sqlite3 hands out a fresh Buffer per value; expose it as a plain Uint8Array the caller owns. */
function ownBytes(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? new Uint8Array(b.buffer, 0, b.byteLength)
    : new Uint8Array(b);
}
