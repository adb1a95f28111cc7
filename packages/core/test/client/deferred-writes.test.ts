/**
 * The Client's view of its store with deferred writes (client/deferred-writes.ts): reads and scans see them at
 * once, the next commit carries them (its own writes of the same keys win), a failed commit keeps them.
 */
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/base/bytes.js";
import { DeferredWrites } from "../../src/client/deferred-writes.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { ScanOptions, Store, StoreEntry, WriteOp } from "../../src/framework/store.js";

const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : new TextDecoder().decode(v));
const keys = (entries: StoreEntry[]) => entries.map((e) => `${e.key}=${text(e.value)}`);

/** A store whose next commit fails when `failNext` is set (a disk that refused one write). */
class RefusingStore implements Store {
  failNext = false;
  constructor(readonly inner: MemoryStore) {}
  get(ns: string, key: string) {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions) {
    return this.inner.scan(ns, options);
  }
  async commit(ops: readonly WriteOp[]) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("disk full");
    }
    return this.inner.commit(ops);
  }
  close() {
    return this.inner.close();
  }
}

async function seeded() {
  const memory = new MemoryStore();
  await memory.commit(["a", "b", "c", "d"].map((k) => ({ op: "put", ns: "n", key: k, value: utf8(k) })));
  return memory;
}

describe("deferred writes", () => {
  it("reads and scans see deferred writes; nothing reaches the store until the next commit", async () => {
    const memory = await seeded();
    const store = new DeferredWrites(memory);
    const view = store.view();
    view.put("n", "b", utf8("B"));
    view.delete("n", "c");
    view.put("n", "bb", utf8("new"));
    expect(text(await store.get("n", "b"))).toBe("B");
    expect(await store.get("n", "c")).toBeUndefined();
    expect(keys(await store.scan("n"))).toEqual(["a=a", "b=B", "bb=new", "d=d"]);
    expect(keys(await store.scan("n", { reverse: true, limit: 3 }))).toEqual(["d=d", "bb=new", "b=B"]);
    expect(keys(await store.scan("n", { limit: 2 }))).toEqual(["a=a", "b=B"]);
    expect(keys(await store.scan("n", { gte: "b", lt: "d" }))).toEqual(["b=B", "bb=new"]);
    expect(keys(await memory.scan("n"))).toEqual(["a=a", "b=b", "c=c", "d=d"]);
    expect(store.size).toBe(3);

    const revision = memory.revision;
    await store.commit([{ op: "put", ns: "n", key: "e", value: utf8("e") }]);
    expect(memory.revision).toBe(revision + 1); // one commit carried them
    expect(store.size).toBe(0);
    expect(keys(await memory.scan("n"))).toEqual(["a=a", "b=B", "bb=new", "d=d", "e=e"]);
  });

  it("a commit's own write of a deferred key wins", async () => {
    const memory = await seeded();
    const store = new DeferredWrites(memory);
    store.view().put("n", "a", utf8("deferred"));
    await store.commit([{ op: "put", ns: "n", key: "a", value: utf8("step") }]);
    expect(text(await memory.get("n", "a"))).toBe("step");
  });

  it("a failed commit keeps the deferred writes for the next one", async () => {
    const refusing = new RefusingStore(await seeded());
    const store = new DeferredWrites(refusing);
    store.view().put("n", "a", utf8("A"));
    refusing.failNext = true;
    await expect(store.commit([{ op: "put", ns: "n", key: "z", value: utf8("z") }])).rejects.toThrow("disk full");
    expect(store.size).toBe(1);
    expect(text(await store.get("n", "a"))).toBe("A");
    expect(await store.get("n", "z")).toBeUndefined();
    await store.flush();
    expect(text(await refusing.inner.get("n", "a"))).toBe("A");
    expect(store.size).toBe(0);
  });
});
