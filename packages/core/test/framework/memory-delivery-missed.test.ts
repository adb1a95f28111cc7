/**
 * MemoryDelivery's missed-message checks: each endpoint asks the bus history now and then for what its links
 * lost, with the code WakuDelivery uses against its Store peer (framework/missed-messages.ts), so the
 * in-process world has the network's recovery path. A lost message arrives with the next check, once; what
 * relay delivered is never delivered again by a check; a check does not reach across a partition.
 */
import { type DeliveredMessage, NobleCryptoProvider, utf8 } from "@parley/core";
import { MemoryDelivery, VirtualClock } from "@parley/core/testing";
import { describe, expect, it } from "vitest";

const crypto = new NobleCryptoProvider();
const T = "/logos-chat/1/0011223344556677/proto";
const INTERVAL = 10_000;

async function world(options: { checks?: boolean } = {}) {
  const clock = new VirtualClock({ start: 1_000_000 });
  const bus = new MemoryDelivery({
    clock,
    crypto,
    seed: "missed",
    ...(options.checks !== false && { missedMessages: { intervalMs: INTERVAL } }),
  });
  const alice = bus.endpoint("alice");
  const bob = bus.endpoint("bob");
  const got: DeliveredMessage[] = [];
  await bob.subscribe(T, (m) => {
    got.push(m);
  });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1_000) await clock.advanceAsync(1_000);
  };
  return { clock, bus, alice, bob, got, run };
}

const texts = (got: DeliveredMessage[]) => got.map((m) => new TextDecoder().decode(m.payload));

describe("MemoryDelivery missed-message checks", () => {
  it("a message its link dropped arrives with the next check, once", async () => {
    const w = await world();
    w.bus.setLinkFaults("alice", "bob", { drop: 1 });
    await w.alice.publish(T, utf8("lost on the link"));
    await w.run(1_000);
    expect(w.got).toEqual([]);
    await w.run(INTERVAL);
    expect(texts(w.got)).toEqual(["lost on the link"]);
    expect(w.bus.stats().recovered).toBe(1);
    await w.run(3 * INTERVAL);
    expect(w.got).toHaveLength(1);
  });

  it("what relay delivered is not delivered again by a check", async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) await w.alice.publish(T, utf8(`m${i}`));
    await w.run(3 * INTERVAL);
    expect(texts(w.got)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(w.bus.stats().recovered).toBe(0);
  });

  it("a check does not reach across a partition; after the heal the next one delivers", async () => {
    const w = await world();
    const cut = w.bus.partition(["alice"], ["bob"]);
    await w.alice.publish(T, utf8("across the cut"));
    await w.run(2 * INTERVAL);
    expect(w.got).toEqual([]);
    cut.heal();
    await w.run(INTERVAL);
    expect(texts(w.got)).toEqual(["across the cut"]);
  });

  it("off by default: a dropped message stays lost", async () => {
    const w = await world({ checks: false });
    w.bus.setLinkFaults("alice", "bob", { drop: 1 });
    await w.alice.publish(T, utf8("lost"));
    await w.run(5 * INTERVAL);
    expect(w.got).toEqual([]);
    expect(w.bus.stats().recovered).toBe(0);
  });

  it("a closed endpoint stops checking; checkMissed runs one at once", async () => {
    const w = await world();
    w.bus.setLinkFaults("alice", "bob", { drop: 1 });
    await w.alice.publish(T, utf8("now"));
    await w.run(1_000);
    expect(await w.bob.checkMissed()).toBe(1);
    expect(texts(w.got)).toEqual(["now"]);
    w.bob.close();
    await w.alice.publish(T, utf8("after close"));
    await w.run(3 * INTERVAL);
    expect(texts(w.got)).toEqual(["now"]);
  });
});
