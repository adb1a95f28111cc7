import { describe, expect, it } from "vitest";
import { StateCache } from "../../src/client/state-cache.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { Store, WriteOp } from "../../src/framework/store.js";

interface S {
  readonly n: number;
}

let decodes = 0;
const codec = {
  encode: (s: S) => new Uint8Array([s.n]),
  decode: (b: Uint8Array): S | undefined => {
    decodes++;
    return b.length === 1 ? { n: b[0]! } : undefined;
  },
};
const put = (key: string, value: Uint8Array): WriteOp => ({ op: "put", ns: CONVERSATION_STATE_NS, key, value });

function failing(inner: Store, fail: { now: boolean }): Store {
  return {
    get: (ns, key) => inner.get(ns, key),
    scan: (ns, o) => inner.scan(ns, o),
    close: () => inner.close(),
    commit: async (ops) => {
      if (fail.now) throw new Error("disk full");
      await inner.commit(ops);
    },
  };
}

describe("StateCache (client write-through state cache)", () => {
  it("caches a state only after its commit succeeds, and returns it without decoding", async () => {
    const cache = new StateCache<S>(codec);
    const store = cache.wrap(new MemoryStore());
    const s = { n: 7 };
    const bytes = cache.encode(s);
    expect(cache.state("a")).toBeUndefined();
    await store.commit([put("a", bytes)]);
    const before = decodes;
    expect(cache.state("a")).toBe(s);
    expect(cache.decode(cache.bytes("a")!)).toBe(s);
    expect(decodes).toBe(before);
  });

  it("drops the whole cache when a commit fails, and keeps the store as the source of truth", async () => {
    const fail = { now: false };
    const inner = new MemoryStore();
    const cache = new StateCache<S>(codec);
    const store = cache.wrap(failing(inner, fail));
    await store.commit([put("a", cache.encode({ n: 1 })), put("b", cache.encode({ n: 2 }))]);
    fail.now = true;
    await expect(store.commit([put("a", cache.encode({ n: 3 }))])).rejects.toThrow("disk full");
    expect(cache.state("a")).toBeUndefined();
    expect(cache.state("b")).toBeUndefined();
    expect(await inner.get(CONVERSATION_STATE_NS, "a")).toEqual(new Uint8Array([1]));
  });

  it("forgets a key written with bytes it did not encode, or deleted", async () => {
    const cache = new StateCache<S>(codec);
    const store = cache.wrap(new MemoryStore());
    await store.commit([put("a", cache.encode({ n: 1 })), put("b", cache.encode({ n: 2 }))]);
    await store.commit([put("a", new Uint8Array([9])), { op: "delete", ns: CONVERSATION_STATE_NS, key: "b" }]);
    expect(cache.state("a")).toBeUndefined();
    expect(cache.state("b")).toBeUndefined();
  });

  it("ignores other namespaces and evicts the least recently used beyond its capacity", async () => {
    const cache = new StateCache<S>(codec, 2);
    const store = cache.wrap(new MemoryStore());
    await store.commit([{ op: "put", ns: "other", key: "a", value: cache.encode({ n: 5 }) }]);
    expect(cache.state("a")).toBeUndefined();
    await store.commit([put("a", cache.encode({ n: 1 })), put("b", cache.encode({ n: 2 }))]);
    expect(cache.state("a")?.n).toBe(1); // touch a: b is now the oldest
    await store.commit([put("c", cache.encode({ n: 3 }))]);
    expect(cache.state("b")).toBeUndefined();
    expect(cache.state("a")?.n).toBe(1);
    expect(cache.state("c")?.n).toBe(3);
  });
});
