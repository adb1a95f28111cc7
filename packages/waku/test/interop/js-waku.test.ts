/**
 * Interop with code we did not write: js-waku's own Store client (@waku/sdk light node over its own libp2p)
 * queries our node; js-waku's decoders read what our relay put on the wire; hashes agree with @waku/message-hash.
 */

import type { Message } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { toHex } from "@parley/core";
import { MemoryStore } from "@parley/core/testing";
import { eventually, HUNG_AFTER_MS, TEST_CAP_MS } from "@parley/test-support/patience";
import { messageHashStr } from "@waku/message-hash";
import { createDecoder, createLightNode, type IDecodedMessage, type LightNode, Protocols } from "@waku/sdk";
import { createRoutingInfo } from "@waku/utils";
import { afterEach, describe, expect, it } from "vitest";
import { MessageArchive, WakuDelivery } from "../../src/index.js";
import { TEST_NETWORK, text } from "../helpers/memory-nodes.js";

const ALICE = "/logos-chat/1/alice/proto";
const BOB = "/logos-chat/1/bob/proto";

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function serviceAndPublisher(): Promise<{ service: WakuDelivery; publisher: WakuDelivery; addr: string }> {
  const archive = new MessageArchive(new MemoryStore());
  const service = new WakuDelivery({
    network: TEST_NETWORK,
    heartbeatIntervalMs: 100,
    listen: ["/ip4/127.0.0.1/tcp/0"],
    archive,
  });
  await service.start();
  running.push(service);
  const addr = service.multiaddrs()[0]!.toString();
  const publisher = new WakuDelivery({ network: TEST_NETWORK, heartbeatIntervalMs: 100, bootstrap: [addr] });
  await publisher.start();
  running.push(publisher);
  return { service, publisher, addr };
}

async function lightNode(addr: string): Promise<LightNode> {
  const light = await createLightNode({
    defaultBootstrap: false,
    networkConfig: TEST_NETWORK,
    bootstrapPeers: [addr],
    libp2p: { transports: [tcp()] as never, hideWebSocketInfo: true },
  });
  running.push(light);
  await light.waitForPeers([Protocols.Store], HUNG_AFTER_MS);
  return light;
}

describe("interop with js-waku (@waku/sdk 0.0.36)", () => {
  it(
    "js-waku's Store client gets every stored message from our node, with matching hashes, across pages",
    async () => {
      const { publisher, addr } = await serviceAndPublisher();
      const ours: { text: string; hash: string }[] = [];
      for (let i = 0; i < 7; i++) {
        const topic = i % 2 ? BOB : ALICE;
        const r = await publisher.publish(topic, text(`m${i} ${topic}`));
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (topic === ALICE && r.ok) ours.push({ text: `m${i} ${topic}`, hash: r.hash });
      }
      const light = await lightNode(addr);
      const routingInfo = createRoutingInfo(TEST_NETWORK, { contentTopic: ALICE });
      const decoder = createDecoder(ALICE, routingInfo);
      const got: IDecodedMessage[] = [];
      // Wait until the node has archived all of Alice's messages, reading them with js-waku each time.
      await eventually(
        "js-waku reads every archived message",
        async () => {
          got.length = 0;
          for await (const page of light.store.queryGenerator([decoder], { paginationLimit: 2 }))
            for (const p of page) {
              const m = await p;
              if (m) got.push(m);
            }
          return got.length >= ours.length;
        },
        100,
      );
      expect(got.map((m) => new TextDecoder().decode(m.payload))).toEqual(ours.map((o) => o.text));
      expect(got.map((m) => m.hashStr)).toEqual(ours.map((o) => o.hash));
      expect(got.map((m) => messageHashStr(routingInfo.pubsubTopic, m))).toEqual(ours.map((o) => o.hash));
      expect(got.every((m) => m.contentTopic === ALICE && m.pubsubTopic === routingInfo.pubsubTopic)).toBe(true);

      // A hash lookup through js-waku's client too.
      const byHash: IDecodedMessage[] = [];
      const wanted = ours[1]!.hash;
      for await (const page of light.store.queryGenerator([decoder], {
        messageHashes: [Uint8Array.from(Buffer.from(wanted, "hex"))],
        pubsubTopic: routingInfo.pubsubTopic,
      }))
        for (const p of page) {
          const m = await p;
          if (m) byHash.push(m);
        }
      expect(byHash.map((m) => m.hashStr)).toEqual([wanted]);
    },
    TEST_CAP_MS,
  );

  it("js-waku's decoders read the exact bytes our relay sends, and its hash equals ours", async () => {
    const { service, publisher } = await serviceAndPublisher();
    const wire: Message[] = [];
    service.libp2p.services.pubsub.addEventListener("message", (e: CustomEvent<Message>) => wire.push(e.detail));
    const r = await publisher.publish(ALICE, text("decoded by js-waku"));
    expect(r.ok).toBe(true);
    await eventually("our relay hands the message to the service", () => wire.length > 0, 20);
    const raw = wire[0]!;
    const routingInfo = createRoutingInfo(TEST_NETWORK, { contentTopic: ALICE });
    expect(raw.topic).toBe(routingInfo.pubsubTopic);
    expect(raw.type).toBe("unsigned"); // StrictNoSign, as Waku Relay requires
    const decoder = createDecoder(ALICE, routingInfo);
    const proto = await decoder.fromWireToProtoObj(raw.data);
    const decoded = await decoder.fromProtoObj(raw.topic, proto!);
    expect(new TextDecoder().decode(decoded!.payload)).toBe("decoded by js-waku");
    expect(decoded!.contentTopic).toBe(ALICE);
    expect(decoded!.version).toBe(0);
    expect(decoded!.hashStr).toBe(r.ok && r.hash);
    expect(toHex(decoded!.hash)).toBe(messageHashStr(raw.topic, decoded!));
  });
});
