/**
 * The protocol over the real network layer: Clients (core) on WakuDelivery nodes (memory transport, one
 * process) hold a PrivateV1 conversation through a service node, and a client that was offline catches up
 * from the node's Store.
 */
import { randomBytes } from "node:crypto";
import { Client, type ClientEvent, NobleCryptoProvider } from "@parley/core";
import { MemoryStore } from "@parley/core/testing";
import { HUNG_AFTER_MS, TEST_CAP_MS } from "@parley/test-support/patience";
import { afterEach, describe, expect, it } from "vitest";
import { MessageArchive, WakuDelivery } from "../../src/index.js";
import { TEST_NETWORK } from "../helpers/memory-nodes.js";

const SHARD_PROBE = "/logos-chat/1/probe/proto"; // every /logos-chat/1 topic shares this shard

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waku(options: ConstructorParameters<typeof WakuDelivery>[0]): Promise<WakuDelivery> {
  const d = new WakuDelivery({ network: TEST_NETWORK, heartbeatIntervalMs: 100, publishTimeoutMs: 8_000, ...options });
  await d.start();
  cleanups.push(() => d.stop());
  return d;
}

class Participant {
  readonly events: ClientEvent[] = [];
  private wake?: () => void;
  constructor(
    public client: Client,
    readonly store: MemoryStore,
  ) {
    this.attach();
  }
  attach(): void {
    this.client.onEvent((e) => {
      this.events.push(e);
      this.wake?.();
    });
  }
  texts(): string[] {
    return this.events.flatMap((e) =>
      e.type === "message" && e.content.kind === "text" ? [(e.content as { text: string }).text] : [],
    );
  }
  async until(pred: (p: Participant) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }
}

async function participant(delivery: WakuDelivery, store = new MemoryStore()): Promise<Participant> {
  const client = await Client.openOrCreate({ store, delivery, crypto: new NobleCryptoProvider() });
  cleanups.push(() => client.close());
  return new Participant(client, store);
}

/** What a restarted client does: ask the Store for every topic it listens on. */
async function catchUp(p: Participant, delivery: WakuDelivery, since: number): Promise<void> {
  const topics = [p.client.inboxTopic, ...(await p.client.conversations()).map((c) => c.contentTopic)];
  for await (const m of delivery.history({ contentTopics: [...new Set(topics)], startTime: since }))
    await p.client.ingest(m.contentTopic, m.payload);
}

describe("PrivateV1 over WakuDelivery (memory transport)", () => {
  it(
    "two clients chat both ways through a node; one goes offline and catches up from the Store",
    async () => {
      const run = randomBytes(4).toString("hex");
      const service = await waku({ listen: [`/memory/chat-${run}`], archive: new MessageArchive(new MemoryStore()) });
      const hub = service.multiaddrs()[0]!.toString();
      const aliceNet = await waku({ bootstrap: [hub] });
      let bobNet = await waku({ bootstrap: [hub] });
      for (const n of [aliceNet, bobNet]) expect(await n.waitForPeers(SHARD_PROBE, 1, HUNG_AFTER_MS)).toBe(true);
      expect(await service.waitForPeers(SHARD_PROBE, 2, HUNG_AFTER_MS)).toBe(true);

      const alice = await participant(aliceNet);
      const bob = await participant(bobNet);

      const { conversationId: aliceConv } = await alice.client.startConversation(
        await bob.client.introBundle(),
        "hi bob",
      );
      await bob.until((p) => p.texts().includes("hi bob"));
      const started = bob.events.find((e) => e.type === "conversation-started");
      expect(started).toMatchObject({ initiatedBy: "peer", peer: alice.client.installationKey });
      const bobConv = (started as { conversationId: string }).conversationId;

      await bob.client.send(bobConv, "hi alice");
      await alice.until((p) => p.texts().includes("hi alice"));
      // Alice's first message is acknowledged by Bob's reply (SDS causal history).
      await alice.until((p) =>
        p.events.some((e) => e.type === "delivery-state" && e.conversationId === aliceConv && e.state === "acked"),
      );

      // Bob goes offline: client closed, network node stopped. Alice keeps writing; the node archives.
      const offlineSince = Date.now() - 1_000;
      await bob.client.close();
      await bobNet.stop();
      for (const text of ["are you there?", "call me"]) await alice.client.send(aliceConv, text);
      await alice.until((p) => p.events.filter((e) => e.type === "delivery-state" && e.state === "sent").length >= 3);

      // Bob returns with the same store and a new network node, and fetches what he missed.
      bobNet = await waku({ bootstrap: [hub] });
      const bob2 = new Participant(
        await Client.open({ store: bob.store, delivery: bobNet, crypto: new NobleCryptoProvider() }),
        bob.store,
      );
      cleanups.push(() => bob2.client.close());
      await catchUp(bob2, bobNet, offlineSince);
      await bob2.until((p) => p.texts().includes("call me"));
      expect(bob2.texts()).toEqual(["are you there?", "call me"]);

      // And the conversation goes on live.
      expect(await bobNet.waitForPeers(SHARD_PROBE, 1, HUNG_AFTER_MS)).toBe(true);
      await bob2.client.send(bobConv, "back now");
      await alice.until((p) => p.texts().includes("back now"));
      expect(alice.texts()).toEqual(["hi alice", "back now"]);
    },
    TEST_CAP_MS,
  );
});
