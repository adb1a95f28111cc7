import type { WriteOp } from "@parley/core";
import type Database from "better-sqlite3-multiple-ciphers";
import { toSqliteStoreError } from "./errors.js";

type Statement = Database.Statement<unknown[], unknown>;

/** What a shared transaction needs from a connection (see Connection in sqlite-store.ts). */
export interface TransactionTarget {
  readonly db: Database.Database;
  readonly begin: Statement | undefined;
  readonly end: Statement | undefined;
  readonly rollback: Statement | undefined;
  /** Applies ops under a SAVEPOINT of the open transaction: if they throw, only they are rolled back. */
  readonly applyNested: (ops: readonly WriteOp[]) => void;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface OpenBatch {
  readonly target: TransactionTarget;
  readonly waiters: Waiter[];
}

/**
 * Group commit: commits issued in the same turn of the event loop (before the first one's COMMIT runs) share
 * one SQLite transaction, so one fsync. Each commit's ops are applied at once, when `commit` is called, under
 * their own SAVEPOINT: invalid ops reject that commit alone and the others still land, in call order. The
 * shared COMMIT runs in a microtask queued by the first commit of the batch (or earlier, when the store must
 * read, rekey or close), and every caller's promise settles only after it returned: nothing is reported
 * committed before it is durable. A commit with nothing queued behind it is one transaction, as before.
 */
export class GroupCommit {
  private open: OpenBatch | undefined;
  /** Commits accepted (resolved) since the store opened. */
  commits = 0;
  /** SQLite transactions committed for them. */
  transactions = 0;

  enqueue(target: TransactionTarget, ops: readonly WriteOp[]): Promise<void> {
    let batch = this.open;
    if (batch !== undefined && batch.target !== target) {
      this.settle();
      batch = undefined;
    }
    if (batch === undefined) {
      target.begin!.run();
      batch = { target, waiters: [] };
      this.open = batch;
      queueMicrotask(() => this.settleBatch(batch!));
    }
    try {
      target.applyNested(ops);
    } catch (err) {
      // Rolled back to its savepoint. Some errors (e.g. SQLITE_FULL) abort the whole transaction: then the
      // commits before this one in the batch are gone too, and must not be reported durable.
      if (!target.db.inTransaction || batch.waiters.length === 0) this.abort(batch, err);
      return Promise.reject(toSqliteStoreError(err, "commit"));
    }
    return new Promise<void>((resolve, reject) => batch!.waiters.push({ resolve, reject }));
  }

  /** Commits the open shared transaction now, if there is one (before a read, a rekey or a close). */
  settle(): void {
    if (this.open !== undefined) this.settleBatch(this.open);
  }

  private settleBatch(batch: OpenBatch): void {
    if (this.open !== batch) return; // already settled
    this.open = undefined;
    try {
      batch.target.end!.run();
    } catch (err) {
      if (batch.target.db.inTransaction) batch.target.rollback!.run();
      const e = toSqliteStoreError(err, "commit");
      for (const w of batch.waiters) w.reject(e);
      return;
    }
    this.transactions++;
    this.commits += batch.waiters.length;
    for (const w of batch.waiters) w.resolve();
  }

  private abort(batch: OpenBatch, err: unknown): void {
    if (this.open === batch) this.open = undefined;
    if (batch.target.db.inTransaction) batch.target.rollback!.run();
    const e = toSqliteStoreError(err, "commit");
    for (const w of batch.waiters) w.reject(e);
  }
}
