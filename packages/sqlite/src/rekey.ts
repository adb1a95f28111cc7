import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3-multiple-ciphers";
import { applyKey, type StoreKey } from "./encryption.js";
import { SqliteStoreError } from "./errors.js";
import { migrate } from "./migrations.js";
import { configure } from "./open.js";

/**
 * Re-encrypts a store under a new key, crash-safely: the data is copied into a fresh database encrypted with
 * the new key next to the old one, which is fsynced and then renamed over the old file (an atomic replace),
 * and the directory is fsynced. A crash at any moment leaves either the old file under the old key or the new
 * file under the new key, never a mix.
 *
 * (SQLite3MultipleCiphers' own in-place rekey is not crash-safe with the chacha20 scheme: a kill during it can
 * leave a file that neither key opens, because the new KDF salt reaches the header before the hot journal is
 * rolled back. Our crash test found this; see test/durability/rekey-crash.test.ts.)
 *
 * `db` is the store's open connection, in exclusive locking mode. On return it is still open, holding the
 * exclusive lock on the old, now unlinked, file; the caller opens `path` again with the new key and closes it.
 * On failure before the rename the old file is untouched and `db` is usable again, still holding its lock.
 */
export function rewriteWithKey(db: Database.Database, path: string, newKey: StoreKey, busyTimeoutMs: number): void {
  // Only the sole connection may replace the file: another one would keep writing to the old inode.
  // SQLite silently stays in WAL mode while other connections have the file open.
  // (A store's connection holds its file exclusively from open to close, see lock.ts, so this always holds.)
  if (db.pragma("journal_mode = DELETE", { simple: true }) !== "delete") {
    throw new SqliteStoreError("busy", "rekey needs the only open connection to the database");
  }
  const tmp = `${path}.rekey-tmp`;
  let replaced = false;
  try {
    // The exclusive lock stays until close, so nobody opens the old file while it is copied and replaced.
    db.exec("BEGIN EXCLUSIVE; COMMIT;");
    removeDatabaseFiles(tmp); // a copy left by an earlier crash is never valid

    const out = new Database(tmp);
    try {
      applyKey(out, newKey);
      configure(out, { busyTimeoutMs, wal: true });
      migrate(out, { now: Date.now() }); // same code, so the same schema version as the store
      const version = db.pragma("user_version", { simple: true }) as number;
      if (out.pragma("user_version", { simple: true }) !== version) {
        throw new SqliteStoreError("sqlite", "rekey copy has a different schema version");
      }
      out.transaction(() => {
        out.exec("DELETE FROM meta");
        const putKv = out.prepare("INSERT INTO kv (ns, key, value) VALUES (?, ?, ?)");
        for (const row of db.prepare("SELECT ns, key, value FROM kv").raw().iterate()) putKv.run(...(row as unknown[]));
        const putMeta = out.prepare("INSERT INTO meta (name, value) VALUES (?, ?)");
        for (const row of db.prepare("SELECT name, value FROM meta").raw().iterate())
          putMeta.run(...(row as unknown[]));
      })();
    } finally {
      out.close(); // checkpoints into the file and removes the WAL
    }
    fsyncPath(tmp);
    renameSync(tmp, path);
    replaced = true;
    fsyncDirectory(dirname(path));
  } finally {
    if (!replaced) {
      removeDatabaseFiles(tmp);
      db.pragma("journal_mode = WAL"); // still in exclusive locking mode: the store keeps holding its file
    }
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    if (existsSync(path + suffix)) rmSync(path + suffix);
  }
}

/** Makes the rename durable. Windows cannot open directories for fsync; NTFS journals the rename itself. */
function fsyncDirectory(path: string): void {
  if (process.platform === "win32") return;
  fsyncPath(path);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
