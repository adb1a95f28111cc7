import Database from "better-sqlite3-multiple-ciphers";
import { toSqliteStoreError } from "./errors.js";
import { HeldLock, isBusy, lockedBy, refuseIfHeldHere } from "./lock.js";

/**
 * An exclusive lock on a directory or any resource that is not itself a store, with the same guarantees as a
 * SqliteStore's (see lock.ts): taken at once or refused with StoreLockedError naming the holder, held until
 * `release()` or the death of the process. The lock file is an empty SQLite database, so the lock is SQLite's
 * OS-level lock and nothing stale survives a crash.
 */
export class FileLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly held: HeldLock,
  ) {}

  /**
   * @param path the lock file (created if missing), e.g. `<dir>/lock`
   * @param what how the error names the resource, e.g. "the node data directory /x"
   * @param holder how this process describes itself in the holder record (default: its command line)
   */
  static acquire(path: string, what: string, holder?: string): FileLock {
    refuseIfHeldHere(path, what);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (err) {
      throw toSqliteStoreError(err, `opening the lock of ${what}`);
    }
    try {
      try {
        db.pragma("journal_mode = MEMORY"); // nothing is ever written: no -journal file beside the lock
      } catch (err) {
        throw isBusy(err) ? lockedBy(path, what) : err; // reading the header already needs a shared lock
      }
      return new FileLock(db, HeldLock.take(db, path, what, { holder }));
    } catch (err) {
      db.close();
      throw toSqliteStoreError(err, `locking ${what}`);
    }
  }

  /** Idempotent. */
  release(): void {
    this.held.release();
    if (this.db.open) this.db.close();
  }
}
