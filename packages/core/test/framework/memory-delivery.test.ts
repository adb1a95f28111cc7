import { concatBytes, type DeliveredMessage, MAX_PAYLOAD_BYTES, NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import { u64be } from "@parley/core/internals";
import { type Faults, MemoryDelivery, VirtualClock } from "@parley/core/testing";
import { describe, expect, it } from "vitest";

const crypto = new NobleCryptoProvider();
const T = "/logos-chat/1/0011223344556677/proto";
const T2 = "/logos-chat/1/8899aabbccddeeff/proto";

function setup(seed: number | string, faults: Faults = {}, names = ["alice", "bob", "carol"]) {
  const clock = new VirtualClock({ start: 0 });
  const bus = new MemoryDelivery({ clock, crypto, seed, faults });
  const got: Record<string, DeliveredMessage[]> = {};
  const eps = names.map((n) => bus.endpoint(n));
  return {
    clock,
    bus,
    got,
    eps,
    async subscribeAll(topic = T) {
      for (const e of eps) {
        got[e.name] ??= [];
        await e.subscribe(topic, (m) => got[e.name]!.push(m));
      }
    },
  };
}

/** A busy lossy run: every endpoint publishes at random-ish times, all faults on. */
async function busyRun(seed: number) {
  const s = setup(seed, { drop: 0.2, duplicate: 0.2, reorder: 0.3, delay: { min: 5, max: 80 } }, [
    "n0",
    "n1",
    "n2",
    "n3",
    "n4",
  ]);
  await s.subscribeAll();
  const p = s.bus.partition(["n0", "n1"], ["n3"]);
  for (let i = 0; i < 200; i++) {
    await s.eps[i % 5]!.publish(T, utf8(`m${i}`));
    s.clock.advance(3 + (i % 7));
    if (i === 120) p.heal();
  }
  s.clock.runUntilIdle();
  return { trace: s.bus.trace(), stats: s.bus.stats(), got: s.got };
}

describe("MemoryDelivery: determinism", () => {
  it("the same seed reproduces the same delivery trace, the same stats and the same receptions", async () => {
    const a = await busyRun(42);
    const b = await busyRun(42);
    expect(a.trace.length).toBeGreaterThan(500);
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
    expect(Object.fromEntries(Object.entries(b.got).map(([k, v]) => [k, v.map((m) => m.hash)]))).toEqual(
      Object.fromEntries(Object.entries(a.got).map(([k, v]) => [k, v.map((m) => m.hash)])),
    );
    // Every fault kind happened in this run.
    for (const k of ["dropped", "duplicated", "delayed", "heldBack", "reordered", "partitioned"] as const) {
      expect(a.stats[k], k).toBeGreaterThan(0);
    }
  });

  it("a different seed gives a different run", async () => {
    const a = await busyRun(42);
    const c = await busyRun(43);
    expect(c.trace).not.toEqual(a.trace);
  });
});

describe("MemoryDelivery: each fault", () => {
  it("without faults every subscriber gets every message once, in order, the publisher included", async () => {
    const s = setup(1);
    await s.subscribeAll();
    for (let i = 0; i < 20; i++) await s.eps[0]!.publish(T, utf8(`m${i}`));
    s.clock.runUntilIdle();
    for (const n of ["alice", "bob", "carol"]) {
      expect(s.got[n]!.map((m) => new TextDecoder().decode(m.payload))).toEqual(
        Array.from({ length: 20 }, (_, i) => `m${i}`),
      );
    }
    expect(s.bus.stats()).toMatchObject({ published: 20, delivered: 60, dropped: 0, duplicated: 0, reordered: 0 });
  });

  it("drop: some deliveries are lost, counted, and the rest arrive", async () => {
    const s = setup(2, { drop: 0.5 });
    await s.subscribeAll();
    for (let i = 0; i < 100; i++) await s.eps[0]!.publish(T, utf8(`m${i}`));
    s.clock.runUntilIdle();
    const st = s.bus.stats();
    expect(st.dropped).toBeGreaterThan(100);
    expect(st.dropped).toBeLessThan(200);
    expect(st.delivered + st.dropped).toBe(300);
    expect(s.got.bob!.length + s.got.alice!.length + s.got.carol!.length).toBe(st.delivered);
  });

  it("duplicate: a message arrives twice with the same hash", async () => {
    const s = setup(3, { duplicate: 1 });
    await s.subscribeAll();
    await s.eps[0]!.publish(T, utf8("twice"));
    s.clock.runUntilIdle();
    expect(s.got.bob!.map((m) => m.hash)).toHaveLength(2);
    expect(new Set(s.got.bob!.map((m) => m.hash)).size).toBe(1);
    expect(s.bus.stats().duplicated).toBe(3);
  });

  it("reorder: held-back messages arrive after later ones", async () => {
    const s = setup(4, { reorder: 0.5, reorderWindow: 200 });
    await s.subscribeAll();
    for (let i = 0; i < 50; i++) {
      await s.eps[0]!.publish(T, utf8(String(i)));
      s.clock.advance(2);
    }
    s.clock.runUntilIdle();
    const order = s.got.bob!.map((m) => Number(new TextDecoder().decode(m.payload)));
    expect(order).toHaveLength(50);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(s.bus.stats().reordered).toBeGreaterThan(0);
  });

  it("delay: nothing arrives before the minimum latency, everything by the maximum", async () => {
    const s = setup(5, { delay: { min: 40, max: 90 } });
    await s.subscribeAll();
    const arrivals: number[] = [];
    await s.eps[1]!.subscribe(T, () => arrivals.push(s.clock.now()));
    for (let i = 0; i < 30; i++) await s.eps[0]!.publish(T, utf8(`m${i}`));
    s.clock.advance(39);
    expect(arrivals).toEqual([]);
    s.clock.advance(51);
    expect(arrivals).toHaveLength(30);
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual(40);
    expect(new Set(arrivals).size).toBeGreaterThan(1);
    expect(s.bus.stats().delayed).toBe(90);
  });

  it("partition and heal: cut groups do not hear each other, unlisted endpoints hear everyone", async () => {
    const s = setup(6);
    await s.subscribeAll();
    const cut = s.bus.partition(["alice"], ["bob"]);
    await s.eps[0]!.publish(T, utf8("from alice, cut"));
    s.clock.runUntilIdle();
    expect(s.got.bob).toHaveLength(0);
    expect(s.got.carol).toHaveLength(1);
    expect(s.got.alice).toHaveLength(1);
    expect(s.bus.stats().partitioned).toBe(1);
    cut.heal();
    await s.eps[0]!.publish(T, utf8("from alice, healed"));
    s.clock.runUntilIdle();
    expect(s.got.bob!.map((m) => new TextDecoder().decode(m.payload))).toEqual(["from alice, healed"]);
  });

  it("a partition formed while a message is in flight stops it", async () => {
    const s = setup(7, { delay: { min: 50, max: 50 } });
    await s.subscribeAll();
    await s.eps[0]!.publish(T, utf8("in flight"));
    s.clock.advance(10);
    s.bus.partition(["alice"], ["bob", "carol"]);
    s.clock.runUntilIdle();
    expect(s.got.bob).toHaveLength(0);
    expect(s.bus.stats().partitioned).toBe(2);
  });

  it("per-link faults apply only to their directed link", async () => {
    const s = setup(8);
    await s.subscribeAll();
    s.bus.setLinkFaults("alice", "bob", { drop: 1 });
    await s.eps[0]!.publish(T, utf8("a"));
    await s.eps[2]!.publish(T, utf8("c"));
    s.clock.runUntilIdle();
    expect(s.got.bob!.map((m) => new TextDecoder().decode(m.payload))).toEqual(["c"]);
    expect(s.got.carol).toHaveLength(2);
    s.bus.setLinkFaults("alice", "bob", undefined);
    await s.eps[0]!.publish(T, utf8("a2"));
    s.clock.runUntilIdle();
    expect(s.got.bob).toHaveLength(2);
  });
});

describe("MemoryDelivery: limits, hashes, history", () => {
  it("enforces the 150 KiB limit with a typed too-large result", async () => {
    const s = setup(9);
    await s.subscribeAll();
    expect(await s.eps[0]!.publish(T, new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toMatchObject({
      ok: false,
      error: "too-large",
    });
    expect((await s.eps[0]!.publish(T, new Uint8Array(MAX_PAYLOAD_BYTES))).ok).toBe(true);
    expect(s.bus.stats()).toMatchObject({ tooLarge: 1, published: 1 });
  });

  it("hash = SHA-256(pubsubTopic || payload || contentTopic || u64be(timestamp ns)), as documented", async () => {
    const s = setup(10);
    s.clock.advance(1234);
    const payload = utf8("hash me");
    const r = await s.eps[0]!.publish(T, payload);
    const expected = toHex(
      crypto.sha256(concatBytes(utf8("/waku/2/rs/19/0"), payload, utf8(T), u64be(1234n * 1_000_000n))),
    );
    expect(r).toEqual({ ok: true, hash: expected });
  });

  it("an identical publish in the same millisecond is not relayed again (Waku seen-cache)", async () => {
    const s = setup(11);
    await s.subscribeAll();
    await s.eps[0]!.publish(T, utf8("same"));
    await s.eps[1]!.publish(T, utf8("same"));
    s.clock.runUntilIdle();
    expect(s.got.carol).toHaveLength(1);
    expect(s.bus.stats().deduplicated).toBe(1);
  });

  it("history returns every published message, dropped or not, by topic and time", async () => {
    const s = setup(12, { drop: 1 });
    await s.subscribeAll();
    await s.eps[0]!.publish(T, utf8("1"));
    s.clock.advance(100);
    await s.eps[0]!.publish(T2, utf8("other topic"));
    await s.eps[0]!.publish(T, utf8("2"));
    s.clock.runUntilIdle();
    expect(s.got.bob).toHaveLength(0);
    const all: string[] = [];
    for await (const m of s.eps[1]!.history({ contentTopics: [T] })) all.push(new TextDecoder().decode(m.payload));
    expect(all).toEqual(["1", "2"]);
    const late: string[] = [];
    for await (const m of s.bus.history({ contentTopics: [T, T2], startTime: 50 })) {
      late.push(new TextDecoder().decode(m.payload));
    }
    expect(late).toEqual(["other topic", "2"]);
  });

  it("a throwing handler is counted and does not stop other handlers", async () => {
    const s = setup(13);
    await s.eps[0]!.subscribe(T, () => {
      throw new Error("bad handler");
    });
    await s.subscribeAll();
    await s.eps[1]!.publish(T, utf8("x"));
    s.clock.runUntilIdle();
    expect(s.got.alice).toHaveLength(1);
    expect(s.bus.stats().handlerErrors).toBe(1);
  });

  it("handlers get their own copy of the payload", async () => {
    const s = setup(14);
    const seen: Uint8Array[] = [];
    await s.eps[1]!.subscribe(T, (m) => {
      m.payload[0] = 0;
    });
    await s.eps[1]!.subscribe(T, (m) => seen.push(m.payload));
    await s.eps[0]!.publish(T, utf8("intact"));
    s.clock.runUntilIdle();
    expect(new TextDecoder().decode(seen[0])).toBe("intact");
  });

  it("unsubscribe and close stop deliveries; a closed endpoint cannot publish", async () => {
    const s = setup(15);
    const got: number[] = [];
    const off = await s.eps[1]!.subscribe(T, () => got.push(1));
    await s.eps[0]!.publish(T, utf8("1"));
    s.clock.runUntilIdle();
    off();
    await s.eps[0]!.publish(T, utf8("2"));
    s.clock.runUntilIdle();
    expect(got).toEqual([1]);
    s.eps[0]!.close();
    expect(await s.eps[0]!.publish(T, utf8("3"))).toMatchObject({ ok: false, error: "stopped" });
  });

  it('the bus itself is a Delivery (endpoint "default")', async () => {
    const s = setup(16);
    const got: string[] = [];
    await s.bus.subscribe(T, (m) => got.push(new TextDecoder().decode(m.payload)));
    await s.bus.publish(T, utf8("hi"));
    s.clock.runUntilIdle();
    expect(got).toEqual(["hi"]);
  });
});
