/**
 * A write-through cache of decoded conversation states for the Client, which is the only writer of its
 * store: it saves decoding (and reading) the whole state on every step.
 *
 * The store stays the source of truth. A cache entry changes only once a commit returned, to exactly the
 * state that was committed, and the whole cache is dropped when a commit fails; a step that does not commit
 * (a failed decrypt, a rejected message) leaves it untouched. In a batch (pipeline.ts) a commit returns when it
 * joined the batch, so the next step of the batch reads its states here; if the batch's shared commit fails,
 * the pipeline drops the whole cache. States are immutable values (transitions
 * return new states), so handing the same object to several steps is safe.
 */
import { CONVERSATION_STATE_NS } from "../framework/conversation-store.js";
import type { Store, WriteOp } from "../framework/store.js";

/** How many conversations keep their decoded state in memory (least recently used are evicted). */
export const STATE_CACHE_SIZE = 256;

export class StateCache<S> {
  // Bytes we encoded (or decoded) -> their state: committing those bytes makes the state the cached one.
  readonly #known = new WeakMap<Uint8Array, S>();
  readonly #entries = new Map<string, { readonly bytes: Uint8Array; readonly state: S }>();

  constructor(
    /** The codec of `encode` / `decode`; a cache of several types' states uses `encodeAs` / `decodeAs`. */
    private readonly codec?: { encode(state: S): Uint8Array; decode(bytes: Uint8Array): S | undefined },
    private readonly capacity = STATE_CACHE_SIZE,
  ) {}

  encode(state: S): Uint8Array {
    return this.encodeAs(this.codec!, state);
  }

  decode(bytes: Uint8Array): S | undefined {
    return this.decodeAs(this.codec!, bytes);
  }

  /** `encode` with a given codec: one cache serves the states of every type (each with its own codec). */
  encodeAs<T extends S>(codec: { encode(state: T): Uint8Array }, state: T): Uint8Array {
    const bytes = codec.encode(state);
    this.#known.set(bytes, state);
    return bytes;
  }

  decodeAs<T extends S>(codec: { decode(bytes: Uint8Array): T | undefined }, bytes: Uint8Array): T | undefined {
    const hit = this.#known.get(bytes);
    if (hit !== undefined) return hit as T;
    const state = codec.decode(bytes);
    if (state !== undefined) this.#known.set(bytes, state);
    return state;
  }

  /** Whether these bytes were encoded or decoded here (decoding them again costs nothing). */
  knows(bytes: Uint8Array): boolean {
    return this.#known.has(bytes);
  }

  /** The committed bytes of a state key (`${type}:${id}`), when cached. */
  bytes(key: string): Uint8Array | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.bytes;
  }

  /** The committed state of a key, when cached. */
  state(key: string): S | undefined {
    const bytes = this.bytes(key);
    return bytes && this.#known.get(bytes);
  }

  /** After a successful commit: the cached states become exactly what was written. */
  committed(ops: readonly WriteOp[]): void {
    for (const op of ops) {
      if (op.ns !== CONVERSATION_STATE_NS) continue;
      this.#entries.delete(op.key);
      const state = op.op === "put" ? this.#known.get(op.value) : undefined;
      if (op.op === "put" && state !== undefined) this.#entries.set(op.key, { bytes: op.value, state });
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /** A view of `store` whose commits keep this cache in step with what is durable. */
  wrap(store: Store): Store {
    return {
      get: (ns, key) => store.get(ns, key),
      scan: (ns, options) => store.scan(ns, options),
      close: () => store.close(),
      commit: async (ops) => {
        try {
          await store.commit(ops);
        } catch (e) {
          this.clear();
          throw e;
        }
        this.committed(ops);
      },
    };
  }
}
