import { MAX_PAYLOAD_BYTES } from "@parley/core";
import { afterEach, describe, expect, it } from "vitest";
import { WakuDelivery } from "../../src/index.js";
import {
  Inbox,
  type MemoryNet,
  pause,
  startMemoryNet,
  TEST_NETWORK,
  text,
  waitForLine,
} from "../helpers/memory-nodes.js";

const ALICE = "/logos-chat/1/alice-inbox/proto";
const BOB = "/logos-chat/1/bob-inbox/proto";
const OTHER_APP = "/other-app/2/room/proto";

let net: MemoryNet | undefined;
afterEach(async () => {
  await net?.stop();
  net = undefined;
});

describe("WakuDelivery over the memory transport", () => {
  it("delivers on several content topics, across a 3-node line, only to matching subscriptions", async () => {
    net = await startMemoryNet(3);
    const [a, b, c] = net.nodes as [WakuDelivery, WakuDelivery, WakuDelivery];
    const cAlice = new Inbox();
    const cBob = new Inbox();
    const cOther = new Inbox();
    const aBob = new Inbox();
    await c.subscribe(ALICE, cAlice.handler);
    await c.subscribe(BOB, cBob.handler);
    await c.subscribe(OTHER_APP, cOther.handler);
    await a.subscribe(BOB, aBob.handler);
    // Gossipsub forwards only along meshes: b must have grafted c before a's messages can travel a→b→c.
    await waitForLine(net, ALICE);
    await waitForLine(net, OTHER_APP);

    const r1 = await a.publish(ALICE, text("to alice 1"));
    const r2 = await a.publish(BOB, text("to bob"));
    const r3 = await b.publish(OTHER_APP, text("other app"));
    const r4 = await a.publish(ALICE, text("to alice 2"));
    for (const r of [r1, r2, r3, r4]) expect(r.ok, JSON.stringify(r)).toBe(true);

    await cAlice.waitFor(2);
    await cBob.waitFor(1);
    await cOther.waitFor(1);
    expect(cAlice.texts()).toEqual(["to alice 1", "to alice 2"]);
    expect(cBob.texts()).toEqual(["to bob"]);
    expect(cOther.texts()).toEqual(["other app"]);
    // The publisher's own subscription sees its message too (nwaku's triggerSelf; core MemoryDelivery's default).
    await aBob.waitFor(1);
    expect(aBob.texts()).toEqual(["to bob"]);

    // The hash the receiver computes is the one the publisher returned.
    expect(r1.ok && cAlice.received[0]!.hash).toBe(r1.ok ? r1.hash : "");
    expect(cAlice.received[0]!.contentTopic).toBe(ALICE);
    expect(Math.abs(cAlice.received[0]!.timestamp - Date.now())).toBeLessThan(60_000);
  });

  it("deliverToSelf: false keeps a node's own messages from its subscriptions", async () => {
    net = await startMemoryNet(2, { deliverToSelf: false });
    const [a, b] = net.nodes as [WakuDelivery, WakuDelivery];
    const own = new Inbox();
    const remote = new Inbox();
    await a.subscribe(ALICE, own.handler);
    await b.subscribe(ALICE, remote.handler);
    expect((await a.publish(ALICE, text("x"))).ok).toBe(true);
    await remote.waitFor(1);
    await pause(200);
    expect(own.received).toHaveLength(0);
  });

  it("identical payloads sent twice arrive twice (fresh timestamps, distinct hashes)", async () => {
    net = await startMemoryNet(2);
    const [a, b] = net.nodes as [WakuDelivery, WakuDelivery];
    const inbox = new Inbox();
    await b.subscribe(ALICE, inbox.handler);
    const r1 = await a.publish(ALICE, text("same"));
    const r2 = await a.publish(ALICE, text("same"));
    expect(r1.ok && r2.ok).toBe(true);
    await inbox.waitFor(2);
    expect(inbox.received[0]!.hash).not.toBe(inbox.received[1]!.hash);
  });

  it("re-publishing bytes the network already carries is a success, not a failure", async () => {
    // Both nodes' clocks read the same millisecond, so the same payload gives byte-identical WakuMessages.
    const clock = { now: () => 1_700_000_000_000, setTimer: () => ({ cancel() {} }) };
    net = await startMemoryNet(2, { clock });
    const [a, b] = net.nodes as [WakuDelivery, WakuDelivery];
    const inbox = new Inbox();
    await b.subscribe(ALICE, inbox.handler);
    const first = await a.publish(ALICE, text("echo"));
    await inbox.waitFor(1);
    const again = await b.publish(ALICE, text("echo"));
    expect(again).toMatchObject({ ok: true, hash: first.ok ? first.hash : "?" });
  });

  it("unsubscribe stops delivery to that handler only", async () => {
    net = await startMemoryNet(2);
    const [a, b] = net.nodes as [WakuDelivery, WakuDelivery];
    const first = new Inbox();
    const second = new Inbox();
    const off = await b.subscribe(ALICE, first.handler);
    await b.subscribe(ALICE, second.handler);
    expect((await a.publish(ALICE, text("one"))).ok).toBe(true);
    await first.waitFor(1);
    await second.waitFor(1);
    off();
    expect((await a.publish(ALICE, text("two"))).ok).toBe(true);
    await second.waitFor(2);
    await pause(200);
    expect(first.texts()).toEqual(["one"]);
    expect(second.texts()).toEqual(["one", "two"]);
  });

  it("with no configured shards, a node joins a shard on subscribe and leaves it when the last subscription goes", async () => {
    net = await startMemoryNet(1, { shards: [] });
    const [a] = net.nodes as [WakuDelivery];
    const topics = () => (a.libp2p.services.pubsub as unknown as { getTopics(): string[] }).getTopics();
    expect(topics()).toEqual([]);
    const off1 = await a.subscribe(ALICE, () => {});
    const off2 = await a.subscribe(BOB, () => {}); // same shard as ALICE
    expect(topics()).toEqual([a.pubsubTopicOf(ALICE)]);
    off1();
    expect(topics()).toEqual([a.pubsubTopicOf(ALICE)]);
    off2();
    expect(topics()).toEqual([]);
  });

  it("refuses payloads over 150 KiB before sending, accepts exactly 150 KiB", async () => {
    net = await startMemoryNet(2);
    const [a, b] = net.nodes as [WakuDelivery, WakuDelivery];
    const inbox = new Inbox();
    await b.subscribe(ALICE, inbox.handler);
    const tooBig = await a.publish(ALICE, new Uint8Array(MAX_PAYLOAD_BYTES + 1));
    expect(tooBig).toMatchObject({ ok: false, error: "too-large" });
    const max = new Uint8Array(MAX_PAYLOAD_BYTES).fill(7);
    const ok = await a.publish(ALICE, max);
    expect(ok.ok).toBe(true);
    const [got] = await inbox.waitFor(1);
    expect(got!.payload.length).toBe(MAX_PAYLOAD_BYTES);
    expect(inbox.received).toHaveLength(1);
  });

  it("reports no-peers, invalid topics, empty payloads and stopped nodes as typed results", async () => {
    const lonely = new WakuDelivery({ network: TEST_NETWORK, heartbeatIntervalMs: 100, publishTimeoutMs: 300 });
    await lonely.start();
    try {
      expect(await lonely.publish(ALICE, text("anyone?"))).toMatchObject({ ok: false, error: "no-peers" });
      expect(await lonely.publish("not-a-topic", text("x"))).toMatchObject({ ok: false, error: "rejected" });
      expect(await lonely.publish(ALICE, new Uint8Array(0))).toMatchObject({ ok: false, error: "rejected" });
    } finally {
      await lonely.stop();
    }
    expect(await lonely.publish(ALICE, text("late"))).toMatchObject({ ok: false, error: "stopped" });
  });

  it("publish waits for a peer that connects after the call instead of failing", async () => {
    net = await startMemoryNet(1);
    const [a] = net.nodes as [WakuDelivery];
    const late = new WakuDelivery({
      network: TEST_NETWORK,
      heartbeatIntervalMs: 100,
      bootstrap: [a.multiaddrs()[0]!.toString()],
    });
    const inbox = new Inbox();
    await late.subscribe(ALICE, inbox.handler);
    const pending = a.publish(ALICE, text("held until a peer exists"));
    await pause(150);
    await late.start();
    net.nodes.push(late);
    const r = await pending;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await inbox.waitFor(1);
    expect(inbox.texts()).toEqual(["held until a peer exists"]);
  });
});
