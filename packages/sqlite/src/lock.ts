import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type Database from "better-sqlite3-multiple-ciphers";
import { SqliteStoreError } from "./errors.js";

/**
 * One writer per file. The decision is SQLite's own lock: a writing connection runs with
 * `locking_mode=EXCLUSIVE` and takes an exclusive transaction at open, so it holds the OS lock on the file
 * until it closes or its process dies (a SIGKILL leaves nothing stale behind). A second connection, in this
 * process or another, gets SQLITE_BUSY at once (busy_timeout 0 for that probe) and is refused with
 * `StoreLockedError`.
 *
 * Two details make this exact:
 * - POSIX drops every lock a process holds on a file when the process closes ANY descriptor of that file.
 *   So a second opening in the same process must be refused before it touches the file (reading its header
 *   would release the first connection's lock): a per-process table of held files, keyed by device and
 *   inode, answers first.
 * - The holder record (`<file>-holder`, JSON: pid, command, since) only feeds the error message. It is
 *   written after the lock is taken and removed before it is released; it is never trusted for the decision,
 *   and a stale one (left by a killed holder) is simply overwritten.
 */

/** What a refused opening learned about the holder, from the holder record. */
export interface LockHolder {
  readonly pid: number;
  /** How the holder described itself: the `holder` option, else its command line. */
  readonly command: string;
  /** ISO time at which it took the lock. */
  readonly since: string;
}

export class StoreLockedError extends SqliteStoreError {
  declare readonly code: "locked";

  constructor(
    message: string,
    /** The holding process, when its record is present and that process is alive. */
    readonly holder: LockHolder | undefined,
    /** The holder is another connection of this very process. */
    readonly inThisProcess: boolean,
  ) {
    super("locked", message);
  }
}

/** Files this process holds, by device:inode (a second path to the same file is the same file). */
const heldHere = new Map<string, string>();

function fileId(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined; // no file yet: nobody here holds it
  }
}

export function holderRecordPath(path: string): string {
  return `${path}-holder`;
}

/** Refuses, without opening the file, a file this process already holds. Call before any other access. */
export function refuseIfHeldHere(path: string, what: string): void {
  const id = fileId(path);
  const holder = id === undefined ? undefined : heldHere.get(id);
  if (holder === undefined) return;
  throw new StoreLockedError(
    `${what} is already open in this process (pid ${process.pid}, as ${holder}): one writer at a time, close the other first`,
    { pid: process.pid, command: holder, since: "" },
    true,
  );
}

/** How this process describes itself in a holder record: `holder` if given, else its command line. */
function describeSelf(holder: string | undefined): string {
  const text = holder ?? [basename(process.argv0 || process.execPath), ...process.argv.slice(1)].join(" ");
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** A lock this process holds: released by `release()` after (or just before) its connection closes. */
export class HeldLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly id: string,
    private readonly reader: boolean,
  ) {}

  /**
   * Takes the lock on `db`'s file (a fresh connection to `path`, key already applied) and records the holder.
   * A writer takes SQLite's exclusive lock and keeps it until it closes. A reader (`readonly`) cannot hold an
   * exclusive lock on a read-only descriptor: it only checks that no writer holds the file (its WAL read locks
   * then keep a writer out while it is open) and writes no record. SQLITE_BUSY becomes StoreLockedError naming
   * the holder; any other failure is rethrown as it is (SQLITE_NOTADB: a wrong key). On failure nothing is
   * registered and no record is written.
   */
  static take(
    db: Database.Database,
    path: string,
    what: string,
    options: { holder?: string | undefined; readonly?: boolean } = {},
  ): HeldLock {
    db.pragma("busy_timeout = 0");
    try {
      if (options.readonly) db.prepare("SELECT count(*) FROM sqlite_schema").get();
      else {
        db.pragma("locking_mode = EXCLUSIVE");
        db.exec("BEGIN EXCLUSIVE; COMMIT;");
      }
    } catch (err) {
      if (isBusy(err)) throw lockedBy(path, what);
      throw err;
    }
    const id = fileId(path);
    if (id === undefined) throw new SqliteStoreError("cannot-open", `${what} vanished while being opened`);
    const command = describeSelf(options.holder);
    heldHere.set(id, options.readonly ? `${command} (read-only)` : command);
    if (!options.readonly) writeHolderRecord(path, { pid: process.pid, command, since: new Date().toISOString() });
    return new HeldLock(path, id, options.readonly ?? false);
  }

  /**
   * Forgets the lock. With `keepRecord` the holder record stays (another lock of this process on a new file at
   * the same path, as after a rekey, owns it now).
   */
  release(options: { keepRecord?: boolean } = {}): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.id);
    if (!this.reader && !options.keepRecord) rmSync(holderRecordPath(this.path), { force: true });
  }
}

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** A connection that was refused (SQLITE_BUSY at open) becomes this error, naming the holder if it can. */
export function lockedBy(path: string, what: string): StoreLockedError {
  const holder = readLiveHolder(path);
  if (holder === undefined) {
    return new StoreLockedError(
      `${what} is already open in another process (it left no record of which): one writer at a time`,
      undefined,
      false,
    );
  }
  return new StoreLockedError(
    `${what} is already open in process ${holder.pid} (${holder.command}, since ${holder.since}): one writer at a time`,
    holder,
    holder.pid === process.pid,
  );
}

/** Atomic (rename), owner-only: the command line may say more than others should read. */
function writeHolderRecord(path: string, record: LockHolder): void {
  const file = holderRecordPath(path);
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // The record only improves a message; a directory we may lock but not write beside is no reason to fail.
    rmSync(tmp, { force: true });
  }
}

/** The holder record if it parses and names a process that is alive; otherwise undefined. */
function readLiveHolder(path: string): LockHolder | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(holderRecordPath(path), "utf8"));
  } catch {
    return undefined;
  }
  const r = parsed as Partial<LockHolder> | null;
  if (
    typeof r !== "object" ||
    r === null ||
    !Number.isSafeInteger(r.pid) ||
    (r.pid as number) <= 0 ||
    typeof r.command !== "string" ||
    typeof r.since !== "string"
  ) {
    return undefined;
  }
  if (!isAlive(r.pid as number)) return undefined; // left by a holder that was killed
  return { pid: r.pid as number, command: r.command.slice(0, 300), since: r.since.slice(0, 40) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}
