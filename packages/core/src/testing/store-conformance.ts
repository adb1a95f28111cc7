/**
 * The Store contract as a reusable vitest suite. Every Store implementation runs it:
 *
 *   storeConformance("SqliteStore (file)", () => SqliteStore.open({ path }), { reopen });
 *
 * The expected results come from a small model written here (a sorted array), not from the framework's own
 * helpers, so a bug shared by a store and those helpers still fails.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScanOptions, Store, WriteOp } from "../framework/store.js";
import { bytes, del, EDGE_KEYS, filler, keysOf, modelScan, put, sameBytes } from "./store-model.js";

export { EDGE_KEYS } from "./store-model.js";

export interface StoreConformanceOptions {
  /** Closes the store and opens the same storage again; given only for persistent stores. */
  readonly reopen?: (store: Store) => Promise<Store>;
  /** Number of keys in the "many keys" test (default 5000). */
  readonly manyKeys?: number;
  /** fast-check runs for the model-based scan property (default 150). */
  readonly propertyRuns?: number;
}

export function storeConformance(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: StoreConformanceOptions = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("get / put / delete", () => {
      it("a missing key reads as undefined", async () => {
        expect(await store.get("ns", "missing")).toBeUndefined();
        expect(await store.scan("ns")).toEqual([]);
      });

      it("put then get returns the same bytes as a Uint8Array", async () => {
        await store.commit([put("ns", "k", new Uint8Array([0, 1, 2, 255]))]);
        const v = await store.get("ns", "k");
        expect(v).toBeInstanceOf(Uint8Array);
        expect([...v!]).toEqual([0, 1, 2, 255]);
      });

      it("an empty value is stored and differs from a missing key", async () => {
        await store.commit([put("ns", "empty", new Uint8Array(0))]);
        const v = await store.get("ns", "empty");
        expect(v).toBeInstanceOf(Uint8Array);
        expect(v!.length).toBe(0);
        expect(keysOf(await store.scan("ns"))).toEqual(["empty"]);
      });

      it("put overwrites; delete removes; deleting a missing key is a no-op", async () => {
        await store.commit([put("ns", "k", "one")]);
        await store.commit([put("ns", "k", "two")]);
        expect(await store.get("ns", "k")).toEqual(bytes("two"));
        await store.commit([del("ns", "k"), del("ns", "never-existed")]);
        expect(await store.get("ns", "k")).toBeUndefined();
        expect(await store.scan("ns")).toEqual([]);
        await store.commit([put("ns", "k", "three")]);
        expect(await store.get("ns", "k")).toEqual(bytes("three"));
      });

      it("operations of one commit apply in order", async () => {
        await store.commit([put("ns", "a", "1"), put("ns", "a", "2")]);
        expect(await store.get("ns", "a")).toEqual(bytes("2"));
        await store.commit([put("ns", "b", "1"), del("ns", "b")]);
        expect(await store.get("ns", "b")).toBeUndefined();
        await store.commit([del("ns", "a"), put("ns", "a", "3")]);
        expect(await store.get("ns", "a")).toEqual(bytes("3"));
      });

      it("an empty commit is accepted and changes nothing", async () => {
        await store.commit([put("ns", "k", "v")]);
        await store.commit([]);
        expect(await store.scan("ns")).toEqual([{ key: "k", value: bytes("v") }]);
      });
    });

    describe("namespaces", () => {
      it("the same key in two namespaces holds two values", async () => {
        await store.commit([put("a", "k", "in a"), put("b", "k", "in b")]);
        expect(await store.get("a", "k")).toEqual(bytes("in a"));
        expect(await store.get("b", "k")).toEqual(bytes("in b"));
        await store.commit([del("a", "k")]);
        expect(await store.get("a", "k")).toBeUndefined();
        expect(await store.get("b", "k")).toEqual(bytes("in b"));
      });

      it("scans never cross namespaces, including namespaces that prefix each other", async () => {
        await store.commit([put("a", "1", "x"), put("ab", "2", "x"), put("a\u0000", "3", "x"), put("", "4", "x")]);
        expect(keysOf(await store.scan("a"))).toEqual(["1"]);
        expect(keysOf(await store.scan("ab"))).toEqual(["2"]);
        expect(keysOf(await store.scan("a\u0000"))).toEqual(["3"]);
        expect(keysOf(await store.scan(""))).toEqual(["4"]);
        expect(keysOf(await store.scan("b"))).toEqual([]);
      });

      it("namespace and key never run together: (a, b\\0c) and (a\\0b, c) are different entries", async () => {
        await store.commit([put("a", "b\u0000c", "first"), put("a\u0000b", "c", "second")]);
        expect(await store.get("a", "b\u0000c")).toEqual(bytes("first"));
        expect(await store.get("a\u0000b", "c")).toEqual(bytes("second"));
        await store.commit([put("a/b", "c", "third"), put("a", "b/c", "fourth")]);
        expect(await store.get("a/b", "c")).toEqual(bytes("third"));
        expect(await store.get("a", "b/c")).toEqual(bytes("fourth"));
        expect(keysOf(await store.scan("a"))).toEqual(["b\u0000c", "b/c"]);
      });
    });

    describe("ordered scans", () => {
      const keys = ["a", "aa", "ab", "abc", "ac", "b", "ba", "bb", "c", "ca"];
      const check = async (o: ScanOptions) => {
        const got = await store.scan("s", o);
        expect(keysOf(got), JSON.stringify(o)).toEqual(modelScan(keys, o));
        for (const e of got) expect(e.value, e.key).toEqual(bytes(`v:${e.key}`));
      };

      beforeEach(async () => {
        // Inserted out of order, across several commits.
        const shuffled = [...keys].reverse();
        await store.commit(shuffled.slice(0, 5).map((k) => put("s", k, `v:${k}`)));
        await store.commit(shuffled.slice(5).map((k) => put("s", k, `v:${k}`)));
      });

      it("no options: every key, ascending", async () => {
        expect(keysOf(await store.scan("s"))).toEqual(keys);
        expect(keysOf(await store.scan("s", {}))).toEqual(keys);
      });

      it("reverse: descending", async () => {
        expect(keysOf(await store.scan("s", { reverse: true }))).toEqual([...keys].reverse());
      });

      it("prefix", async () => {
        await check({ prefix: "a" });
        await check({ prefix: "ab" });
        await check({ prefix: "abc" });
        await check({ prefix: "abcd" });
        await check({ prefix: "" });
        await check({ prefix: "d" });
        await check({ prefix: "a", reverse: true });
        expect(keysOf(await store.scan("s", { prefix: "ab" }))).toEqual(["ab", "abc"]);
      });

      it("gte (inclusive) and lt (exclusive), at existing and missing keys", async () => {
        await check({ gte: "ab" });
        await check({ gte: "ab0" });
        await check({ lt: "b" });
        await check({ lt: "b0" });
        await check({ gte: "ab", lt: "ba" });
        await check({ gte: "", lt: "\uffff" });
        expect(keysOf(await store.scan("s", { gte: "b", lt: "c" }))).toEqual(["b", "ba", "bb"]);
      });

      it("empty and inverted ranges return nothing", async () => {
        await check({ gte: "b", lt: "b" });
        await check({ gte: "c", lt: "a" });
        await check({ gte: "zz" });
        await check({ lt: "" });
        await check({ prefix: "a", gte: "b" });
        await check({ prefix: "b", lt: "b" });
        expect(await store.scan("s", { gte: "c", lt: "a" })).toEqual([]);
      });

      it("prefix combined with bounds intersects them", async () => {
        await check({ prefix: "a", gte: "ab" });
        await check({ prefix: "a", lt: "ab" });
        await check({ prefix: "a", gte: "aa", lt: "ac" });
        await check({ prefix: "a", gte: "0", lt: "z" });
        await check({ prefix: "ab", gte: "a", lt: "b" });
        await check({ prefix: "a", gte: "aa", lt: "ac", reverse: true });
        expect(keysOf(await store.scan("s", { prefix: "a", gte: "ab", lt: "ac" }))).toEqual(["ab", "abc"]);
      });

      it("limit counts from the start of the scan direction", async () => {
        await check({ limit: 3 });
        await check({ limit: 3, reverse: true });
        await check({ limit: 1, prefix: "b" });
        await check({ limit: 2, prefix: "a", reverse: true });
        await check({ limit: 2, gte: "ab", lt: "c", reverse: true });
        await check({ limit: 100 });
        await check({ limit: 0 });
        expect(keysOf(await store.scan("s", { limit: 2, reverse: true }))).toEqual(["ca", "c"]);
        expect(await store.scan("s", { limit: 0 })).toEqual([]);
      });

      it("scans see deletes and overwrites", async () => {
        await store.commit([del("s", "ab"), put("s", "abc", "v:abc"), put("s", "abd", "v:abd")]);
        const now = [...keys.filter((k) => k !== "ab"), "abd"];
        expect(keysOf(await store.scan("s", { prefix: "ab" }))).toEqual(modelScan(now, { prefix: "ab" }));
        expect(keysOf(await store.scan("s"))).toEqual(modelScan(now, {}));
      });

      it("matches the model for random keys, writes and scan options (property)", async () => {
        // A small alphabet makes prefixes and equal bounds common; it includes the ordering traps.
        const unit = fc.constantFrom("a", "b", "\u0000", "%", "_", "\u00e9", "\ud83d", "\ude00", "\ue000", "\uffff");
        const key = fc.array(unit, { maxLength: 4 }).map((u) => u.join(""));
        const op = fc.oneof(
          { arbitrary: fc.tuple(fc.constant("put" as const), key, fc.nat(255)), weight: 3 },
          { arbitrary: fc.tuple(fc.constant("delete" as const), key, fc.constant(0)), weight: 1 },
        );
        const scanOpts = fc.record(
          {
            prefix: key,
            gte: key,
            lt: key,
            reverse: fc.boolean(),
            limit: fc.nat(12),
          },
          { requiredKeys: [] },
        );
        let run = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(op, { maxLength: 12 }), { maxLength: 4 }),
            scanOpts,
            async (batches, o) => {
              const ns = `prop-${run++}`;
              const model = new Map<string, number>();
              for (const batch of batches) {
                await store.commit(
                  batch.map(([kind, k, v]) => (kind === "put" ? put(ns, k, new Uint8Array([v])) : del(ns, k))),
                );
                for (const [kind, k, v] of batch) {
                  if (kind === "put") model.set(k, v);
                  else model.delete(k);
                }
              }
              const got = await store.scan(ns, o);
              expect(keysOf(got)).toEqual(modelScan(model.keys(), o));
              for (const e of got) expect([...e.value]).toEqual([model.get(e.key)]);
              for (const [k, v] of model) expect([...((await store.get(ns, k)) ?? [])]).toEqual([v]);
            },
          ),
          { numRuns: options.propertyRuns ?? 150 },
        );
      });
    });

    describe("keys with unicode and edge characters", () => {
      it("every edge key round-trips exactly and scans in UTF-16 code unit order", async () => {
        await store.commit(EDGE_KEYS.map((k, i) => put("edge", k, `#${i}`)));
        for (const [i, k] of EDGE_KEYS.entries())
          expect(await store.get("edge", k), `key #${i}`).toEqual(bytes(`#${i}`));
        const scanned = keysOf(await store.scan("edge"));
        expect(scanned.length).toBe(EDGE_KEYS.length);
        expect(scanned).toEqual(modelScan(EDGE_KEYS, {}));
        expect(keysOf(await store.scan("edge", { reverse: true }))).toEqual(modelScan(EDGE_KEYS, { reverse: true }));
      });

      it("astral characters sort below U+E000..U+FFFF (UTF-16 order, not UTF-8 order)", async () => {
        await store.commit([put("u", "\uffff", "1"), put("u", "\ud83d\ude00", "2"), put("u", "\ue000", "3")]);
        expect(keysOf(await store.scan("u"))).toEqual(["\ud83d\ude00", "\ue000", "\uffff"]);
        expect(keysOf(await store.scan("u", { lt: "\ue000" }))).toEqual(["\ud83d\ude00"]);
        expect(keysOf(await store.scan("u", { prefix: "\ud83d" }))).toEqual(["\ud83d\ude00"]);
      });

      it("LIKE wildcards and NUL in a prefix are literal", async () => {
        await store.commit(["a%", "a%b", "ab", "a_", "axb", "a\u0000", "a\u0000z", "a"].map((k) => put("w", k, "v")));
        expect(keysOf(await store.scan("w", { prefix: "a%" }))).toEqual(["a%", "a%b"]);
        expect(keysOf(await store.scan("w", { prefix: "a_" }))).toEqual(["a_"]);
        expect(keysOf(await store.scan("w", { prefix: "a\u0000" }))).toEqual(["a\u0000", "a\u0000z"]);
      });

      it("a prefix of U+FFFF code units has no upper neighbour and still bounds correctly", async () => {
        await store.commit(
          ["\ufffe", "\uffff", "\uffff\u0000", "\uffff\uffff", "\uffff\uffffz"].map((k) => put("f", k, "v")),
        );
        expect(keysOf(await store.scan("f", { prefix: "\uffff" }))).toEqual([
          "\uffff",
          "\uffff\u0000",
          "\uffff\uffff",
          "\uffff\uffffz",
        ]);
        expect(keysOf(await store.scan("f", { prefix: "\uffff\uffff", reverse: true }))).toEqual([
          "\uffff\uffffz",
          "\uffff\uffff",
        ]);
      });
    });

    describe("copies", () => {
      it("changing a value after commit does not change the store", async () => {
        const v = new Uint8Array([1, 2, 3]);
        await store.commit([put("c", "k", v)]);
        v[0] = 99;
        expect([...(await store.get("c", "k"))!]).toEqual([1, 2, 3]);
      });

      it("changing a returned value does not change the store (get and scan)", async () => {
        await store.commit([put("c", "k", new Uint8Array([1, 2, 3]))]);
        const got = (await store.get("c", "k"))!;
        got[0] = 99;
        const scanned = await store.scan("c");
        scanned[0]!.value[1] = 99;
        expect([...(await store.get("c", "k"))!]).toEqual([1, 2, 3]);
        expect([...(await store.scan("c"))[0]!.value]).toEqual([1, 2, 3]);
      });

      it("two reads return independent arrays", async () => {
        await store.commit([put("c", "k", new Uint8Array([5]))]);
        const a = (await store.get("c", "k"))!;
        const b = (await store.get("c", "k"))!;
        a[0] = 6;
        expect(b[0]).toBe(5);
      });

      it("a value that is a view into a larger buffer stores only the view", async () => {
        const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
        await store.commit([put("c", "view", backing.subarray(2, 5))]);
        expect([...(await store.get("c", "view"))!]).toEqual([1, 2, 3]);
      });
    });

    describe("atomicity", () => {
      const invalidOps: [string, WriteOp][] = [
        ["unknown op kind", { op: "upsert", ns: "t", key: "bad", value: new Uint8Array(1) } as unknown as WriteOp],
        ["put without a byte value", { op: "put", ns: "t", key: "bad", value: "text" } as unknown as WriteOp],
        ["put with a missing value", { op: "put", ns: "t", key: "bad" } as unknown as WriteOp],
        ["key that is not a string", { op: "delete", ns: "t", key: 42 } as unknown as WriteOp],
        ["null op", null as unknown as WriteOp],
      ];

      for (const [what, bad] of invalidOps) {
        it(`a commit with an invalid op (${what}) at the end is rejected and applies nothing`, async () => {
          await store.commit([put("t", "kept", "old"), put("t", "gone", "old")]);
          const batch: WriteOp[] = [
            put("t", "kept", "new"),
            put("t", "fresh", "new"),
            del("t", "gone"),
            put("other", "x", "new"),
            bad,
          ];
          await expect(store.commit(batch)).rejects.toThrow();
          expect(await store.get("t", "kept")).toEqual(bytes("old"));
          expect(await store.get("t", "gone")).toEqual(bytes("old"));
          expect(await store.get("t", "fresh")).toBeUndefined();
          expect(await store.get("other", "x")).toBeUndefined();
          expect(keysOf(await store.scan("t"))).toEqual(["gone", "kept"]);
          // The store is still usable afterwards.
          await store.commit([put("t", "after", "ok")]);
          expect(await store.get("t", "after")).toEqual(bytes("ok"));
        });
      }

      it("an invalid op in the middle of a large batch applies nothing", async () => {
        const batch: WriteOp[] = [];
        for (let i = 0; i < 500; i++) batch.push(put("big", `k${String(i).padStart(4, "0")}`, filler(100, i + 1)));
        batch.splice(250, 0, { op: "put", ns: "big", key: "bad" } as unknown as WriteOp);
        await expect(store.commit(batch)).rejects.toThrow();
        expect(await store.scan("big")).toEqual([]);
      });

      it("many commits each stay whole", async () => {
        for (let c = 0; c < 50; c++) {
          await store.commit([put("m", `${c}/a`, `${c}`), put("m", `${c}/b`, `${c}`), put("head", "last", `${c}`)]);
        }
        expect((await store.scan("m")).length).toBe(100);
        expect(await store.get("head", "last")).toEqual(bytes("49"));
      });
    });

    describe("size", () => {
      it("stores 1 MB values exactly", async () => {
        const big = filler(1 << 20, 7);
        const big2 = filler((1 << 20) + 3, 8);
        await store.commit([put("big", "one", big), put("big", "two", big2)]);
        const got = (await store.get("big", "one"))!;
        expect(got.length).toBe(big.length);
        expect(sameBytes(got, big)).toBe(true);
        const scanned = await store.scan("big", { prefix: "two" });
        expect(sameBytes(scanned[0]?.value, big2)).toBe(true);
      });

      it("holds many keys, scanning them in order and by range", async () => {
        const n = options.manyKeys ?? 5000;
        const keys: string[] = [];
        for (let i = 0; i < n; i++) keys.push(`msg/${String((i * 7919) % n).padStart(6, "0")}`);
        await store.commit(keys.map((k, i) => put("many", k, filler(64, i + 1))));
        for (let c = 0; c < 20; c++) await store.commit([put("many", `z/${c}`, "tail")]);
        const all = keysOf(await store.scan("many", { prefix: "msg/" }));
        expect(all.length).toBe(n);
        expect(all).toEqual(modelScan(keys, {}));
        const page = keysOf(await store.scan("many", { gte: "msg/000100", limit: 10 }));
        expect(page).toEqual(modelScan(keys, { gte: "msg/000100", limit: 10 }));
        const last = keysOf(await store.scan("many", { prefix: "msg/", reverse: true, limit: 3 }));
        expect(last).toEqual(modelScan(keys, { reverse: true, limit: 3 }));
        expect((await store.scan("many", { prefix: "z/" })).length).toBe(20);
        const i = keys.indexOf("msg/000123");
        expect([...(await store.get("many", "msg/000123"))!]).toEqual([...filler(64, i + 1)]);
      });
    });

    if (options.reopen) {
      const reopen = options.reopen;
      describe("persistence", () => {
        it("everything committed, including deletes and edge keys, is there after reopening", async () => {
          await store.commit(EDGE_KEYS.map((k, i) => put("p", k, `#${i}`)));
          await store.commit([del("p", "a"), put("p", "ab", "changed"), put("q", "k", filler(100_000, 3))]);
          store = await reopen(store);
          const expected = EDGE_KEYS.filter((k) => k !== "a");
          expect(keysOf(await store.scan("p"))).toEqual(modelScan(expected, {}));
          expect(await store.get("p", "a")).toBeUndefined();
          expect(await store.get("p", "ab")).toEqual(bytes("changed"));
          expect(await store.get("p", "\ud800")).toEqual(bytes(`#${EDGE_KEYS.indexOf("\ud800")}`));
          expect(sameBytes(await store.get("q", "k"), filler(100_000, 3))).toBe(true);
        });

        it("a rejected commit leaves nothing behind after reopening", async () => {
          await store.commit([put("r", "k", "old")]);
          await expect(
            store.commit([put("r", "k", "new"), put("r", "k2", "new"), { op: "nope" } as unknown as WriteOp]),
          ).rejects.toThrow();
          store = await reopen(store);
          expect(await store.scan("r")).toEqual([{ key: "k", value: bytes("old") }]);
        });
      });
    }
  });
}
