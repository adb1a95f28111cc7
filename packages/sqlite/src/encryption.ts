import { closeSync, openSync, readSync, statSync } from "node:fs";
import type Database from "better-sqlite3-multiple-ciphers";
import { SqliteStoreError } from "./errors.js";

/**
 * Encryption at rest with SQLite3MultipleCiphers' "chacha20" scheme (sqleet-compatible): every page is
 * encrypted with ChaCha20 and authenticated with Poly1305; the page key comes from the caller's key through
 * PBKDF2-HMAC-SHA256 (64007 iterations) with a random 16-byte salt that replaces the plaintext file header.
 * The WAL holds encrypted pages too. We pin the scheme and its parameters instead of relying on library
 * defaults, so a library upgrade that changes defaults cannot make existing files unreadable.
 * (SQLCipher compatibility was not needed; chacha20 matches the AEAD used by the rest of Parley and is the
 * faster scheme here.)
 */
export const CIPHER = { name: "chacha20", kdfIter: 64007, legacy: 0 } as const;

/** The 16 bytes every plaintext SQLite file starts with. */
const PLAINTEXT_HEADER = Buffer.from("SQLite format 3\u0000", "latin1");

export type StoreKey = string | Uint8Array;

export function keyBytes(key: StoreKey): Buffer {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  if (bytes.length === 0) throw new SqliteStoreError("invalid-options", "an encryption key must not be empty");
  return bytes;
}

/** Configures the cipher and hands the key to SQLite; the caller's copy is wiped afterwards. */
export function applyKey(db: Database.Database, key: StoreKey, kind: "key" | "rekey" = "key"): void {
  db.pragma(`cipher = '${CIPHER.name}'`);
  db.pragma(`kdf_iter = ${CIPHER.kdfIter}`);
  db.pragma(`legacy = ${CIPHER.legacy}`);
  const bytes = keyBytes(key);
  try {
    const rc = kind === "key" ? db.key(bytes) : db.rekey(bytes);
    if (rc !== 0) throw new SqliteStoreError("sqlite", `setting the encryption key failed (rc ${rc})`);
  } finally {
    bytes.fill(0);
  }
}

/**
 * What the first 16 bytes say: "plaintext" (SQLite's magic), "opaque" (encrypted, or not a database), or
 * "empty" (no file or no header yet: a new database).
 */
export function fileHeaderKind(path: string): "plaintext" | "opaque" | "empty" {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return "empty";
  }
  if (size === 0) return "empty";
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    const n = readSync(fd, header, 0, 16, 0);
    if (n < 16) return "opaque";
  } finally {
    closeSync(fd);
  }
  return header.equals(PLAINTEXT_HEADER) ? "plaintext" : "opaque";
}
