import { ParleyError } from "@parley/core";

/**
 * Stable codes of every failure `SqliteStore` reports. Callers branch on these, never on messages.
 * "store-closed" and "invalid-write" mean what they mean for core's MemoryStore, so code handling a Store
 * failure works with either store.
 */
export type SqliteStoreErrorCode =
  /** The database is encrypted and the given key does not decrypt it. */
  | "wrong-key"
  /** The file is encrypted (or is not an SQLite database at all) and no key was given. */
  | "key-required"
  /** A key was given but the file is a plaintext database. */
  | "not-encrypted"
  /** The file is an SQLite database that Parley did not create. */
  | "foreign-database"
  /** The file was written by a newer Parley: its schema version is above the one this code knows. */
  | "newer-schema"
  /** A read-only open found a schema older than this code's; it needs one read-write open to migrate. */
  | "migration-required"
  | "invalid-options"
  /** A write operation in `commit` is malformed; nothing of the batch was applied. */
  | "invalid-write"
  | "readonly"
  | "store-closed"
  /**
   * Another connection holds the store (one writer per file): see StoreLockedError, which names the holding
   * process when it can. Reported at once, never after a wait.
   */
  | "locked"
  /** A read-only connection waited on a lock for longer than its busy timeout. */
  | "busy"
  | "disk-full"
  | "corrupt"
  | "cannot-open"
  /** Any other SQLite failure. */
  | "sqlite";

export class SqliteStoreError extends ParleyError {
  declare readonly code: SqliteStoreErrorCode;

  constructor(code: SqliteStoreErrorCode, message: string, cause?: unknown) {
    super(code, message);
    if (cause !== undefined) this.cause = cause;
  }
}

/** Maps an error thrown by SQLite to a SqliteStoreError; SqliteStoreErrors pass through unchanged. */
export function toSqliteStoreError(err: unknown, context: string): SqliteStoreError {
  if (err instanceof SqliteStoreError) return err;
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  const code = typeof sqliteCode === "string" ? sqliteCode : "";
  const detail = err instanceof Error ? err.message : String(err);
  const msg = `${context}: ${detail}`;
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return new SqliteStoreError("busy", msg, err);
  if (code === "SQLITE_FULL") return new SqliteStoreError("disk-full", msg, err);
  if (code.startsWith("SQLITE_CORRUPT")) return new SqliteStoreError("corrupt", msg, err);
  if (code.startsWith("SQLITE_CANTOPEN")) return new SqliteStoreError("cannot-open", msg, err);
  if (code.startsWith("SQLITE_READONLY")) return new SqliteStoreError("readonly", msg, err);
  return new SqliteStoreError("sqlite", msg, err);
}
