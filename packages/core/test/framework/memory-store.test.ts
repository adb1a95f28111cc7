import { utf8 } from "@parley/core";
import { Transaction } from "@parley/core/internals";
import { MemoryStore } from "@parley/core/testing";
import { describe, expect, it } from "vitest";
import { storeConformance } from "../../src/testing/store-conformance.js";

storeConformance("MemoryStore", async () => new MemoryStore(), { propertyRuns: 300 });

describe("MemoryStore specifics", () => {
  it("revision counts non-empty commits only", async () => {
    const s = new MemoryStore();
    expect(s.revision).toBe(0);
    await s.commit([]);
    expect(s.revision).toBe(0);
    await s.commit([{ op: "put", ns: "a", key: "k", value: utf8("v") }]);
    expect(s.revision).toBe(1);
  });

  it("snapshot is a deep copy", async () => {
    const s = new MemoryStore();
    await s.commit([{ op: "put", ns: "a", key: "k", value: utf8("v") }]);
    const snap = s.snapshot();
    snap.get("a")!.get("k")![0] = 0;
    expect(s.snapshot()).toEqual(new Map([["a", new Map([["k", utf8("v")]])]]));
  });

  it("a closed store refuses reads and writes with a typed error", async () => {
    const s = new MemoryStore();
    await s.close();
    await expect(s.get("a", "k")).rejects.toMatchObject({ code: "store-closed" });
    await expect(s.commit([])).rejects.toMatchObject({ code: "store-closed" });
  });

  it("works under a Transaction: pending writes are visible to it and invisible to the store", async () => {
    const s = new MemoryStore();
    const tx = new Transaction(s);
    tx.put("ns", "a", utf8("1"));
    expect(await tx.get("ns", "a")).toEqual(utf8("1"));
    expect(await s.get("ns", "a")).toBeUndefined();
    await tx.commit();
    expect(await s.get("ns", "a")).toEqual(utf8("1"));
  });

  it("keeps (namespace, key) pairs distinct even when they contain a NUL separator", async () => {
    const s = new MemoryStore();
    const tx = new Transaction(s);
    tx.put("a", "b\u0000c", utf8("first"));
    tx.put("a\u0000b", "c", utf8("second"));
    expect(tx.size).toBe(2);
    expect(await tx.get("a", "b\u0000c")).toEqual(utf8("first"));
    await tx.commit();
    expect(await s.get("a", "b\u0000c")).toEqual(utf8("first"));
    expect(await s.get("a\u0000b", "c")).toEqual(utf8("second"));
  });
});
