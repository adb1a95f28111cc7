/**
 * client/pipeline.ts on its own, over a MemoryStore behind a wrapper that counts commits and can fail them:
 * batched steps share one commit and settle in order after it; a step that runs alone waits for the batch before
 * it; a lone step commits once; reads see a batch's writes before they are durable; a failed shared commit
 * rejects every step of it, runs none of its actions, drops its writes and calls the failure hooks (the state
 * cache's, and the records bookkeeping of every type a step of it staged).
 */
import { describe, expect, it } from "vitest";
import { PendingStore, StepPipeline } from "../../src/client/pipeline.js";
import { StateCache } from "../../src/client/state-cache.js";
import { Steps } from "../../src/client/step.js";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { AnyConversationTypeRuntime } from "../../src/framework/runtime.js";
import { type Store, Transaction, type WriteOp } from "../../src/framework/store.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

class Counting extends MemoryStore {
  commits: (readonly WriteOp[])[] = [];
  fail = false;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.fail) throw new Error("disk full");
    this.commits.push(ops);
    return super.commit(ops);
  }
}

function setup() {
  const inner = new Counting();
  const failed: string[] = [];
  const pending = new PendingStore(inner, () => failed.push("cache"));
  const pipeline = new StepPipeline(pending);
  return { inner, failed, pending, pipeline };
}

/** A step that reads `from` (if given) and writes `key` = what it read + `value`, through the batch. */
function writer(store: Store, pending: PendingStore, key: string, value: string, from?: string) {
  return async () => {
    const before = from === undefined ? "" : dec.decode((await store.get("t", from)) ?? new Uint8Array());
    const tx = new Transaction(store);
    tx.put("t", key, enc.encode(before + value));
    await pending.defer(() => tx.commit());
    return key;
  };
}

describe("StepPipeline / PendingStore", () => {
  it("batched steps share one commit, read each other's writes, and settle in order after it", async () => {
    const { inner, pending, pipeline } = setup();
    const order: string[] = [];
    const steps = ["a", "b", "c"].map((k, i) =>
      pipeline.batched(writer(pending, pending, k, k, i === 0 ? undefined : ["a", "b", "c"][i - 1])).then((v) => {
        order.push(v);
        // Settled only once the shared commit returned.
        expect(inner.commits.length).toBe(1);
      }),
    );
    await Promise.all(steps);
    expect(order).toEqual(["a", "b", "c"]);
    expect(inner.commits.length).toBe(1);
    expect(dec.decode((await inner.get("t", "c"))!)).toBe("abc");
  });

  it("a lone step commits once; a step run alone waits for the batch before it", async () => {
    const { inner, pending, pipeline } = setup();
    await pipeline.batched(writer(pending, pending, "x", "1"));
    expect(inner.commits.length).toBe(1);
    const seen: number[] = [];
    const a = pipeline.batched(writer(pending, pending, "y", "2"));
    const b = pipeline.run(async () => {
      seen.push(inner.commits.length); // the batch before it is durable
      return "solo";
    });
    const c = pipeline.batched(writer(pending, pending, "z", "3"));
    await Promise.all([a, b, c]);
    expect(seen).toEqual([2]);
    expect(inner.commits.length).toBe(3);
  });

  it("at most MAX_BATCH_STEPS steps share a commit", async () => {
    const { inner, pending, pipeline } = setup();
    await Promise.all(Array.from({ length: 40 }, (_, i) => pipeline.batched(writer(pending, pending, `k${i}`, "v"))));
    expect(inner.commits.map((c) => c.length)).toEqual([32, 8]);
  });

  it("a failed shared commit rejects every step of it, runs none of its actions, and forgets its writes", async () => {
    const { inner, failed, pending, pipeline } = setup();
    const ran: string[] = [];
    const failedActions: string[] = [];
    inner.fail = true;
    const results = await Promise.allSettled(
      ["a", "b"].map((k) =>
        pipeline.batched(async () => {
          await writer(pending, pending, k, k)();
          await pending.after(
            () => ran.push(k),
            () => failedActions.push(k),
          );
          return k;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(ran).toEqual([]);
    expect(failedActions).toEqual(["a", "b"]);
    expect(failed).toEqual(["cache"]);
    expect(await pending.get("t", "a")).toBeUndefined();
    // The next step starts from durable state and commits.
    inner.fail = false;
    await pipeline.batched(writer(pending, pending, "c", "c", "a"));
    expect(dec.decode((await inner.get("t", "c"))!)).toBe("c");
  });

  it("Steps: a failed shared commit aborts the records bookkeeping of every type a step of it staged", async () => {
    const { inner, pending, pipeline } = setup();
    let aborted = 0;
    const committed: number[] = [];
    const runtime = {
      spec: { name: "t" },
      lifecycle: {
        records: { load: async () => {}, stage: async () => {}, forget: async () => {}, abort: () => aborted++ },
      },
      encodeState: (s: unknown) => enc.encode(String(s)),
      decodeState: (b: Uint8Array) => dec.decode(b),
    } as unknown as AnyConversationTypeRuntime;
    const steps = new Steps({
      store: pending,
      states: new StateCache<unknown>(),
      crypto: undefined as unknown as CryptoProvider,
      random: (n) => new Uint8Array(n),
      clock: { now: () => 0, setTimer: () => ({ cancel() {} }) },
      self: () => "me",
      isKnownConversation: () => true,
      firstContact: () => undefined,
      finish: async () => {},
      committed: (staged) => committed.push(staged.length),
      pipeline: pending,
    });
    const step = (id: string) => async () => {
      const tx = new Transaction(pending);
      tx.put("t", id, enc.encode(id));
      steps.stage(tx, runtime, { id, type: "t", contentTopic: "" }, id);
      await steps.commit(tx, true);
    };
    inner.fail = true;
    const r = await Promise.allSettled([pipeline.batched(step("a")), pipeline.batched(step("b"))]);
    expect(r.every((x) => x.status === "rejected")).toBe(true);
    expect(aborted).toBe(2);
    expect(committed).toEqual([]); // due times follow durable states only
    inner.fail = false;
    await pipeline.batched(step("c"));
    expect(committed).toEqual([1]);
  });
});
