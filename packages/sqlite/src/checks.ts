import type { WriteOp } from "@parley/core";
import { SqliteStoreError } from "./errors.js";

/** SQLite's default SQLITE_MAX_LENGTH (bytes per value and per row), less room for the key and namespace. */
const MAX_VALUE_BYTES = 999_000_000;

/**
 * Rejects a commit with a malformed op before anything is written, so a bad commit never touches the database
 * (and, in a group commit, never touches the commits it shares a transaction with).
 */
export function checkOps(ops: readonly WriteOp[]): void {
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index];
    if (typeof op !== "object" || op === null) throw invalidWrite(index, "not an object");
    checkNs(op.ns, index);
    checkKey(op.key, index);
    if (op.op === "put") {
      if (!(op.value instanceof Uint8Array)) throw invalidWrite(index, "put value must be a Uint8Array");
      if (op.value.length > MAX_VALUE_BYTES) throw invalidWrite(index, "value larger than SQLite's limit");
    } else if (op.op !== "delete") {
      throw invalidWrite(index, `unknown op ${JSON.stringify((op as { op?: unknown }).op)}`);
    }
  }
}

function invalidWrite(index: number, why: string): SqliteStoreError {
  return new SqliteStoreError("invalid-write", `operation ${index}: ${why}`);
}

/** Namespaces are TEXT (readable in the sqlite3 shell), so they must be well-formed UTF-16 to round-trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkNs(ns: unknown, index?: number): asserts ns is string {
  if (typeof ns !== "string" || LONE_SURROGATE.test(ns)) {
    const why = "namespace must be a well-formed string";
    throw index === undefined ? new SqliteStoreError("invalid-options", why) : invalidWrite(index, why);
  }
}

export function checkKey(key: unknown, index?: number): asserts key is string {
  if (typeof key !== "string") {
    const why = "key must be a string";
    throw index === undefined ? new SqliteStoreError("invalid-options", why) : invalidWrite(index, why);
  }
}
