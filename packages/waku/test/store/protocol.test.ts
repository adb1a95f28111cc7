import { randomBytes } from "node:crypto";
import { MemoryStore } from "@parley/core/testing";
import { proto_store } from "@waku/proto";
import * as lp from "it-length-prefixed";
import { afterEach, describe, expect, it } from "vitest";
import {
  contentTopicToPubsubTopic,
  MessageArchive,
  messageHash,
  STORE_CODEC,
  WakuDelivery,
  type WakuMessage,
} from "../../src/index.js";
import { TEST_NETWORK, text } from "../helpers/memory-nodes.js";

const TOPIC = "/logos-chat/1/alice/proto";
const PT = contentTopicToPubsubTopic(TOPIC, TEST_NETWORK);

const running: WakuDelivery[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function start(options: ConstructorParameters<typeof WakuDelivery>[0] = {}): Promise<WakuDelivery> {
  const n = new WakuDelivery({ network: TEST_NETWORK, heartbeatIntervalMs: 100, ...options });
  await n.start();
  running.push(n);
  return n;
}

async function rawExchange(client: WakuDelivery, server: WakuDelivery, bytes: Uint8Array) {
  const stream = await client.libp2p.dialProtocol(server.multiaddrs()[0]!, STORE_CODEC);
  await stream.sink([lp.encode.single(bytes)]);
  for await (const chunk of lp.decode(stream.source)) return proto_store.StoreQueryResponse.decode(chunk.subarray());
  throw new Error("no response");
}

describe("Store v3 on the wire", () => {
  it("answers undecodable and invalid requests with 400 and keeps serving", async () => {
    const server = await start({
      listen: [`/memory/s-${randomBytes(4).toString("hex")}`],
      archive: new MessageArchive(new MemoryStore()),
    });
    const client = await start();
    const garbage = await rawExchange(client, server, new Uint8Array([0xff, 0xff, 0xff]));
    expect(garbage.statusCode).toBe(400);
    const invalid = await rawExchange(
      client,
      server,
      proto_store.StoreQueryRequest.encode({ requestId: "x", contentTopics: [TOPIC], paginationForward: true }),
    );
    expect(invalid).toMatchObject({ requestId: "x", statusCode: 400 });
    const fine = await rawExchange(
      client,
      server,
      proto_store.StoreQueryRequest.encode({ requestId: "y", includeData: true, paginationForward: true }),
    );
    expect(fine).toMatchObject({ requestId: "y", statusCode: 200, messages: [] });
  });

  it("the client drops rows a hostile store invents or mislabels, and stops on a repeated cursor", async () => {
    const evil = await start({ listen: [`/memory/evil-${randomBytes(4).toString("hex")}`] });
    const genuine: WakuMessage = { payload: text("genuine"), contentTopic: TOPIC, version: 0, timestamp: 5_000_000n };
    const forged: WakuMessage = { payload: text("forged"), contentTopic: TOPIC, version: 0, timestamp: 6_000_000n };
    const other: WakuMessage = { payload: text("other topic"), contentTopic: "/logos-chat/1/eve/proto", timestamp: 7n };
    const early: WakuMessage = { payload: text("too early"), contentTopic: TOPIC, timestamp: 1_000_000n };
    const cursor = randomBytes(32);
    let requests = 0;
    await evil.libp2p.handle(STORE_CODEC, ({ stream }) => {
      void (async () => {
        let req: proto_store.StoreQueryRequest | undefined;
        for await (const c of lp.decode(stream.source)) {
          req = proto_store.StoreQueryRequest.decode(c.subarray());
          break;
        }
        requests++;
        const response: proto_store.StoreQueryResponse = {
          requestId: req!.requestId,
          statusCode: 200,
          statusDesc: "OK",
          messages: [
            { messageHash: messageHash(PT, genuine), message: genuine, pubsubTopic: PT },
            { messageHash: messageHash(PT, genuine), message: forged, pubsubTopic: PT },
            { messageHash: messageHash(PT, other), message: other, pubsubTopic: PT },
            { messageHash: messageHash(PT, early), message: early, pubsubTopic: PT },
            { messageHash: messageHash("/waku/2/rs/42/7", genuine), message: genuine, pubsubTopic: "/waku/2/rs/42/7" },
          ],
          paginationCursor: cursor,
        };
        await stream.sink([lp.encode.single(proto_store.StoreQueryResponse.encode(response))]);
      })();
    });
    const client = await start({ storePeers: [evil.multiaddrs()[0]!.toString()] });
    const got = [];
    for await (const m of client.history({ contentTopics: [TOPIC], startTime: 2 })) got.push(m);
    expect(got.map((m) => new TextDecoder().decode(m.payload))).toEqual(["genuine"]);
    // Page 1 gave a cursor, page 2 repeated it: the client stops instead of looping.
    expect(requests).toBe(2);
  });
});
