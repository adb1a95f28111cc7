/**
 * `MemoryStore`: the in-memory `Store`. Keys of each namespace are kept sorted so scans are a binary search
 * plus a slice; new keys are sorted in lazily, at the next scan, so a put costs O(1) even when keys arrive in
 * random order (message ids). A scan after a few changes places each by binary search (a step's puts and
 * deletes, then a scan of that namespace: the common case) rather than merging every key, so its cost does not
 * grow with what the namespace holds. Values are copied on the way in and on the way out, so no caller can
 * mutate stored bytes through a reference it holds.
 */
import {
  compareKeys,
  inRange,
  type ScanOptions,
  type Store,
  type StoreEntry,
  StoreError,
  type WriteOp,
} from "./store.js";

interface Namespace {
  readonly values: Map<string, Uint8Array>;
  /** Sorted with `compareKeys`; may still hold deleted keys and lack `added` ones until `sortedKeys`. */
  keys: string[];
  /** Keys put since the last sort. */
  added: string[];
  /** Keys deleted since the last sort. */
  removed: string[];
}

export class MemoryStore implements Store {
  readonly #namespaces = new Map<string, Namespace>();
  #closed = false;
  #revision = 0;

  /** Increments on every non-empty commit: a cheap way for tests to see that nothing was written. */
  get revision(): number {
    return this.#revision;
  }

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const v = this.#namespaces.get(ns)?.values.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async scan(ns: string, options: ScanOptions = {}): Promise<StoreEntry[]> {
    this.#assertOpen();
    const space = this.#namespaces.get(ns);
    if (!space) return [];
    const keys = sortedKeys(space);
    // The range [lo, hi) of keys that can satisfy gte / prefix / lt; `inRange` then checks each key.
    const lowBound = maxKey(options.gte, options.prefix);
    const lo = lowBound === undefined ? 0 : lowerBound(keys, lowBound);
    let hi = options.lt === undefined ? keys.length : lowerBound(keys, options.lt);
    if (options.prefix !== undefined) {
      let end = lo;
      while (end < hi && keys[end]!.startsWith(options.prefix)) end++;
      hi = end;
    }
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: StoreEntry[] = [];
    if (limit <= 0 || lo >= hi) return out;
    const step = options.reverse ? -1 : 1;
    for (let i = options.reverse ? hi - 1 : lo; i >= lo && i < hi && out.length < limit; i += step) {
      const key = keys[i]!;
      if (inRange(key, options)) out.push({ key, value: space.values.get(key)!.slice() });
    }
    return out;
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
    for (const op of ops) {
      if (op.op === "put") this.#put(op.ns, op.key, op.value.slice());
      else this.#delete(op.ns, op.key);
    }
    this.#revision++;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** A deep copy of everything, for tests comparing before/after. */
  snapshot(): Map<string, Map<string, Uint8Array>> {
    const out = new Map<string, Map<string, Uint8Array>>();
    for (const [ns, space] of this.#namespaces) {
      out.set(ns, new Map(sortedKeys(space).map((k) => [k, space.values.get(k)!.slice()] as const)));
    }
    return out;
  }

  #put(ns: string, key: string, value: Uint8Array): void {
    let space = this.#namespaces.get(ns);
    if (!space) {
      space = { values: new Map(), keys: [], added: [], removed: [] };
      this.#namespaces.set(ns, space);
    }
    if (!space.values.has(key)) space.added.push(key);
    space.values.set(key, value);
  }

  #delete(ns: string, key: string): void {
    const space = this.#namespaces.get(ns);
    if (!space?.values.delete(key)) return;
    space.removed.push(key);
    if (space.values.size === 0) this.#namespaces.delete(ns);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError("store-closed", "the store is closed");
  }
}

function invalid(message: string): StoreError {
  return new StoreError("invalid-write", message);
}

/** The namespace's live keys in order: pending additions merged in, deleted keys dropped. */
function sortedKeys(space: Namespace): string[] {
  const changes = space.added.length + space.removed.length;
  if (changes === 0) return space.keys;
  if (changes * 16 <= space.keys.length) return placeChanges(space);
  const { values } = space;
  const removed = space.removed.length > 0;
  // A key deleted and put again is in both lists: keep one copy of each live key.
  const old = removed ? space.keys.filter((k) => values.has(k)) : space.keys;
  const fresh = [...new Set(space.added.filter((k) => values.has(k)))].sort(compareKeys);
  const seen = removed ? new Set(old) : undefined;
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < old.length || j < fresh.length) {
    if (j >= fresh.length || (i < old.length && compareKeys(old[i]!, fresh[j]!) <= 0)) merged.push(old[i++]!);
    else {
      const k = fresh[j++]!;
      if (!seen?.has(k)) merged.push(k);
    }
  }
  space.keys = merged;
  space.added = [];
  space.removed = [];
  return merged;
}

/** Few changes against many keys: each removed or added key found by binary search and spliced, in place. */
function placeChanges(space: Namespace): string[] {
  const { keys, values } = space;
  for (const k of space.removed) {
    if (values.has(k)) continue; // put again since: it stays
    const at = lowerBound(keys, k);
    if (keys[at] === k) keys.splice(at, 1);
  }
  for (const k of space.added) {
    if (!values.has(k)) continue; // deleted again since
    const at = lowerBound(keys, k);
    if (keys[at] !== k) keys.splice(at, 0, k);
  }
  space.added = [];
  space.removed = [];
  return keys;
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function maxKey(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareKeys(a, b) >= 0 ? a : b;
}
