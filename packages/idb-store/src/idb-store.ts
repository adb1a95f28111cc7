/**
 * `IdbStore`: the `Store` on IndexedDB (through `idb`), for browsers.
 *
 * One object store holds every entry under the array key [namespace, key]: IndexedDB compares strings by
 * UTF-16 code units and arrays element by element, which is exactly the Store's order, and namespaces can
 * never run into each other. A scan is one key range; `commit` is one readwrite transaction with strict
 * durability, so a step is on disk whole or not at all before the client publishes anything. Values are
 * encrypted before the transaction opens (WebCrypto is asynchronous, and an IndexedDB transaction closes
 * at the first await on anything else). A Web Lock keeps one writer per profile across tabs.
 */
import { compareKeys, type ScanOptions, type Store, type StoreEntry, type WriteOp } from "@parley/core";
import { type DBSchema, deleteDB, type IDBPDatabase, openDB } from "idb";
import { DEFAULT_PBKDF2_ITERATIONS, type SealedKey, ValueCipher } from "./encryption.js";
import { IdbStoreError } from "./errors.js";
import { acquireProfileLock, type ProfileLock } from "./lock.js";

/** The version of what this code writes; a database with a higher one is refused. */
const FORMAT_VERSION = 1;
const DB_VERSION = 1;
const PREFIX = "parley:";

type EntryKey = [string, string];

interface FormatRecord {
  readonly version: number;
  readonly sealedKey?: SealedKey;
}

interface ParleySchema extends DBSchema {
  entries: { key: EntryKey; value: Uint8Array };
  meta: { key: string; value: FormatRecord };
}

export interface IdbStoreOptions {
  /** The profile: one IndexedDB database (`parley:NAME`) and one Web Lock per name. */
  readonly name: string;
  /** Encrypts every value at rest under a key derived from it. Required to reopen an encrypted profile. */
  readonly passphrase?: string;
  /** PBKDF2 iterations for a new encrypted profile (stored with it). Default 600,000. */
  readonly iterations?: number;
  /**
   * Hold the profile's Web Lock (default true). Only for runtimes without Web Locks (Node with
   * fake-indexeddb in tests); a page always holds it.
   */
  readonly lock?: boolean;
}

export class IdbStore implements Store {
  #closed = false;

  private constructor(
    readonly name: string,
    private readonly db: IDBPDatabase<ParleySchema>,
    private readonly cipher: ValueCipher | undefined,
    private readonly lock: ProfileLock | undefined,
  ) {}

  /** Opens (or creates) the profile's database. Fails with "locked" if another tab holds it. */
  static async open(options: IdbStoreOptions): Promise<IdbStore> {
    if (typeof options.name !== "string" || options.name.length === 0)
      throw new IdbStoreError("invalid-options", "a profile name is required");
    const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
    if (!Number.isSafeInteger(iterations) || iterations < 1)
      throw new IdbStoreError("invalid-options", "iterations must be a positive integer");
    if (typeof indexedDB === "undefined") throw new IdbStoreError("unavailable", "this runtime has no IndexedDB");
    const lock = options.lock === false ? undefined : await acquireProfileLock(options.name);
    let db: IDBPDatabase<ParleySchema> | undefined;
    try {
      db = await openDB<ParleySchema>(PREFIX + options.name, DB_VERSION, {
        upgrade(database) {
          database.createObjectStore("entries");
          database.createObjectStore("meta");
        },
      }).catch((err: unknown) => {
        throw new IdbStoreError("unavailable", `IndexedDB refused to open the profile: ${(err as Error).message}`, err);
      });
      const cipher = await IdbStore.#setUpFormat(db, options.passphrase, iterations);
      return new IdbStore(options.name, db, cipher, lock);
    } catch (err) {
      db?.close();
      lock?.release();
      throw err;
    }
  }

  /** Deletes a profile's database (it must not be open anywhere). */
  static async destroy(name: string): Promise<void> {
    await deleteDB(PREFIX + name);
  }

  static async #setUpFormat(
    db: IDBPDatabase<ParleySchema>,
    passphrase: string | undefined,
    iterations: number,
  ): Promise<ValueCipher | undefined> {
    const format = await db.get("meta", "format");
    if (!format) {
      // A new profile. Its format record and its first entries never mix: entries come only after this.
      const created = passphrase === undefined ? undefined : await ValueCipher.create(passphrase, iterations);
      const record: FormatRecord = created
        ? { version: FORMAT_VERSION, sealedKey: created.sealed }
        : { version: FORMAT_VERSION };
      await db.put("meta", record, "format");
      return created?.cipher;
    }
    if (typeof format.version !== "number")
      throw new IdbStoreError("corrupt", "the profile's format record is malformed");
    if (format.version > FORMAT_VERSION)
      throw new IdbStoreError("newer-format", `the profile was written by a newer Parley (format ${format.version})`);
    if (!format.sealedKey) {
      if (passphrase !== undefined)
        throw new IdbStoreError("not-encrypted", "this profile was created without a passphrase");
      return undefined;
    }
    if (passphrase === undefined) throw new IdbStoreError("passphrase-required", "this profile needs its passphrase");
    return ValueCipher.unlock(passphrase, format.sealedKey);
  }

  /** Whether values are encrypted at rest. */
  get encrypted(): boolean {
    return this.cipher !== undefined;
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const stored = await this.db.get("entries", [ns, key]);
    return stored === undefined ? undefined : this.#reveal(ns, key, stored);
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    this.#assertOpen();
    const range = keyRange(ns, options);
    const limit = options.limit;
    if (!range || (limit !== undefined && limit <= 0)) return [];
    const tx = this.db.transaction("entries", "readonly");
    const found: { key: string; value: Uint8Array }[] = [];
    if (!options.reverse) {
      // Two requests of one transaction see the same snapshot.
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range, limit), tx.store.getAll(range, limit)]);
      for (let i = 0; i < keys.length; i++) found.push({ key: keys[i]![1], value: values[i]! });
    } else {
      let cursor = await tx.store.openCursor(range, "prev");
      while (cursor && (limit === undefined || found.length < limit)) {
        found.push({ key: cursor.key[1], value: cursor.value });
        cursor = await cursor.continue();
      }
    }
    await tx.done;
    return Promise.all(found.map(async (e) => ({ key: e.key, value: await this.#reveal(ns, e.key, e.value) })));
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    this.#assertOpen();
    // Validate everything first: a bad op must leave the store untouched (atomicity).
    for (const op of ops) {
      if (typeof op?.ns !== "string" || typeof op.key !== "string") throw invalid("ns and key must be strings");
      if (op.op === "put") {
        if (!(op.value instanceof Uint8Array)) throw invalid("put needs a Uint8Array value");
      } else if (op.op !== "delete") {
        throw invalid("op must be put or delete");
      }
    }
    if (ops.length === 0) return;
    const values = await Promise.all(
      ops.map((op) => (op.op === "put" ? this.#conceal(op.ns, op.key, op.value) : undefined)),
    );
    this.#assertOpen();
    const tx = this.db.transaction("entries", "readwrite", { durability: "strict" });
    // Requests of one transaction run in order; none is awaited alone, so the transaction stays open.
    const requests = ops.map((op, i) =>
      op.op === "put" ? tx.store.put(values[i]!, [op.ns, op.key]) : tx.store.delete([op.ns, op.key]),
    );
    try {
      await Promise.all([...requests, tx.done]);
    } catch (err) {
      throw new IdbStoreError("unavailable", `the commit was not applied: ${(err as Error).message}`, err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
    this.lock?.release();
  }

  /** A copy the caller cannot reach through a reference it holds (values are cloned into IndexedDB). */
  async #conceal(ns: string, key: string, value: Uint8Array): Promise<Uint8Array> {
    return this.cipher ? this.cipher.seal(ns, key, value) : value.slice();
  }

  async #reveal(ns: string, key: string, stored: Uint8Array): Promise<Uint8Array> {
    return this.cipher ? this.cipher.open(ns, key, stored) : stored;
  }

  #assertOpen(): void {
    if (this.#closed) throw new IdbStoreError("store-closed", "the store is closed");
  }
}

function invalid(message: string): IdbStoreError {
  return new IdbStoreError("invalid-write", message);
}

/**
 * The key range of a scan, or undefined when it is empty. An array sorts above every string, so
 * [ns, []] bounds the whole namespace from above.
 */
function keyRange(ns: string, o: ScanOptions): IDBKeyRange | undefined {
  const lower = o.gte !== undefined && o.prefix !== undefined ? maxKey(o.gte, o.prefix) : (o.gte ?? o.prefix ?? "");
  const prefixEnd = o.prefix === undefined ? undefined : successor(o.prefix);
  const upper = o.lt !== undefined && prefixEnd !== undefined ? minKey(o.lt, prefixEnd) : (o.lt ?? prefixEnd);
  if (upper !== undefined && compareKeys(lower, upper) >= 0) return undefined;
  return IDBKeyRange.bound([ns, lower], upper === undefined ? [ns, []] : [ns, upper], false, true);
}

/**
 * The least string above every string that starts with `prefix`: trailing U+FFFF units dropped, the last
 * unit incremented. Undefined when the prefix is only U+FFFF units (or empty): nothing bounds it but the
 * namespace's end.
 */
function successor(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

function maxKey(a: string, b: string): string {
  return compareKeys(a, b) >= 0 ? a : b;
}

function minKey(a: string, b: string): string {
  return compareKeys(a, b) <= 0 ? a : b;
}
