/**
 * Periodic work by due time (issue 17): a sweep wakes only the conversations whose type says something is
 * due, so idle conversations are neither woken nor written; a message waiting for its acknowledgement is
 * resent exactly when its resend is due; and after a restart the due times are read back from the store.
 * Wakes are counted on the pairwise engine's sweep, writes on the store's commits; time is a VirtualClock.
 */
import { NodeCryptoProvider } from "@parley/core/node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientOptions } from "../../src/client/index.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { seededRandom } from "../../src/crypto/index.js";
import { HintIndex } from "../../src/framework/hints.js";
import { MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { WriteOp } from "../../src/framework/store.js";

/** A MemoryStore that counts its commits. */
class CountingStore extends MemoryStore {
  commits = 0;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    this.commits++;
    return super.commit(ops);
  }
}

function setup(seed: string) {
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const bus = new MemoryDelivery({
    clock,
    crypto: new NodeCryptoProvider({ random: seededRandom(seed) }),
    seed,
    trace: false,
  });
  const options = (name: string): ClientOptions => ({
    store: new CountingStore(),
    delivery: bus.endpoint(name),
    crypto: new NodeCryptoProvider({ random: seededRandom(`${seed}/${name}`) }),
    clock,
    random: seededRandom(`${seed}/${name}/salt`),
    autoSweep: false,
    config: { invites: { perWindow: 100_000 } },
  });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) await clock.advanceAsync(Math.min(250, ms - t));
  };
  return { clock, bus, options, run };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("sweep by due time", () => {
  it("1,000 idle conversations: a sweep neither passes over, wakes nor writes any of them", async () => {
    const { options, run } = setup("due/idle");
    const aliceOptions = options("alice");
    const alice = await Client.create(aliceOptions);
    const bob = await Client.create(options("bob"));
    const bundle = await bob.introBundle();
    const N = 1_000;
    for (let i = 0; i < N; i++) await alice.startConversation(bundle, `hi ${i}`);
    await run(1_000);
    await alice.idle();
    await bob.idle();
    expect((await bob.conversations()).length).toBe(N);
    // Bob's acknowledgements are due after the ack delay; once they arrive nothing is left to do.
    await run(1_500);
    await bob.sweep();
    await run(1_000);
    await alice.idle();
    await alice.sweep();
    await bob.sweep();

    const store = aliceOptions.store as CountingStore;
    const sweeps = vi.spyOn(PrivateV1Engine.prototype, "sweep");
    // Nor does it pass over them: with no conversation added or removed, it pops what is due from a heap.
    const scans = vi.spyOn(HintIndex.prototype, "conversationsOn");
    const commits = store.commits;
    await alice.sweep();
    await run(60_000);
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(0);
    expect(scans).toHaveBeenCalledTimes(0);
    expect(store.commits).toBe(commits);
    await alice.close();
    await bob.close();
  }, 120_000);

  it("an unacknowledged message is woken exactly when its resend is due, also after a restart", async () => {
    const { clock, options, run } = setup("due/resend");
    const aliceOptions = options("alice");
    let alice = await Client.create(aliceOptions);
    const bob = await Client.create(options("bob"));
    const bundle = await bob.introBundle();
    await bob.close(); // never answers: the invite waits for its acknowledgement
    const t0 = clock.now();
    await alice.startConversation(bundle, "are you there?");
    await alice.idle();
    const sweeps = vi.spyOn(PrivateV1Engine.prototype, "sweep");
    const resendAfter = alice.config.resendAfterMs;

    await run(resendAfter - 1);
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(0);
    await run(1);
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(1);
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(1);

    // After a restart the next resend (backed off: twice the interval, the peer is not heard from) is read
    // back from the stored state: not before it is due, and exactly then.
    await alice.close();
    alice = await Client.open({ ...aliceOptions });
    const store = aliceOptions.store as CountingStore;
    const next = t0 + resendAfter + 2 * resendAfter;
    await run(next - 1 - clock.now());
    const commits = store.commits;
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(1);
    expect(store.commits).toBe(commits);
    await run(1);
    await alice.sweep();
    expect(sweeps).toHaveBeenCalledTimes(2);
    expect(store.commits).toBeGreaterThan(commits);
    await alice.close();
  });
});
