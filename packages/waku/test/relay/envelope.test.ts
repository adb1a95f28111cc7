import { createHash } from "node:crypto";
import { toHex } from "@parley/core";
import { messageHashStr } from "@waku/message-hash";
import { contentTopicToShardIndex, createRoutingInfo } from "@waku/utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  contentTopicToPubsubTopic,
  contentTopicToShard,
  decodeWakuMessage,
  encodeWakuMessage,
  MonotonicNs,
  messageHash,
  parseContentTopic,
  relayMessageId,
} from "../../src/index.js";

const segment = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const contentTopic = fc
  .tuple(segment, segment, segment, segment)
  .map(([app, v, name, enc]) => `/${app}/${v}/${name}/${enc}`);

describe("autosharding", () => {
  it("matches @waku/utils for every content topic and cluster size", () => {
    fc.assert(
      fc.property(contentTopic, fc.integer({ min: 1, max: 64 }), (ct, shards) => {
        expect(contentTopicToShard(ct, shards)).toBe(contentTopicToShardIndex(ct, shards));
      }),
      { numRuns: 300 },
    );
  });

  it("matches js-waku's routing info (pubsub topic) for Parley's topics on cluster 42", () => {
    const network = { clusterId: 42, numShardsInCluster: 8 };
    for (const ct of ["/logos-chat/1/abcd/proto", "/conversations/1/inbox-alice/proto", "/0/toychat/2/huilong/proto"]) {
      expect(contentTopicToPubsubTopic(ct, network)).toBe(createRoutingInfo(network, { contentTopic: ct }).pubsubTopic);
    }
    // Only app and version place a topic: every Parley delivery address shares one shard.
    expect(contentTopicToShard("/logos-chat/1/aa/proto", 8)).toBe(contentTopicToShard("/logos-chat/1/zz/proto", 8));
  });

  it("rejects content topics autosharding cannot place", () => {
    for (const bad of ["", "x", "/a/b/c", "/a//c/d", "/1/a/b/c/d", "a/b/c/d/e", "/a/b/c/d/e/f/g"])
      expect(parseContentTopic(bad), bad).toBeUndefined();
    expect(() => contentTopicToShard("/a/b/c", 8)).toThrow(expect.objectContaining({ code: "invalid-content-topic" }));
  });
});

describe("WakuMessage and its hash", () => {
  const arbMessage = fc.record({
    payload: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    contentTopic,
    timestamp: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
    meta: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  });

  it("deterministic hash equals @waku/message-hash for messages with or without a timestamp", () => {
    fc.assert(
      fc.property(arbMessage, fc.boolean(), fc.integer({ min: 0, max: 1023 }), (m, dropTs, shard) => {
        const pubsubTopic = `/waku/2/rs/42/${shard}`;
        const msg = { ...m, version: 0, ...(dropTs ? { timestamp: undefined } : {}) };
        expect(toHex(messageHash(pubsubTopic, msg))).toBe(messageHashStr(pubsubTopic, msg));
      }),
      { numRuns: 300 },
    );
  });

  it("hash of a known message is sha256 over the spec's concatenation (independent recomputation)", () => {
    const pubsubTopic = "/waku/2/rs/42/6";
    const payload = new TextEncoder().encode("hello");
    const ts = 1_700_000_000_123_456_789n;
    const tsBytes = Buffer.alloc(8);
    tsBytes.writeBigUInt64BE(ts);
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from(pubsubTopic), payload, Buffer.from("/logos-chat/1/x/proto"), tsBytes]))
      .digest("hex");
    expect(toHex(messageHash(pubsubTopic, { payload, contentTopic: "/logos-chat/1/x/proto", timestamp: ts }))).toBe(
      expected,
    );
  });

  it("encodes and decodes round trip; decoding garbage never throws", () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        const back = decodeWakuMessage(encodeWakuMessage({ ...m, version: 0 }));
        expect(back?.payload).toEqual(m.payload);
        expect(back?.contentTopic).toBe(m.contentTopic);
        expect(back?.timestamp).toBe(m.timestamp);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeWakuMessage(bytes);
      }),
    );
    expect(decodeWakuMessage(new Uint8Array([0x0a, 0xff]))).toBeUndefined();
  });

  it("relay message id is sha256 of the encoded message", () => {
    const data = encodeWakuMessage({ payload: new Uint8Array([1]), contentTopic: "/a/1/b/c", timestamp: 5n });
    expect(toHex(relayMessageId(data))).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("timestamps are strictly increasing whole milliseconds even within one millisecond", () => {
    let now = 1000;
    const ts = new MonotonicNs(() => now);
    const a = ts.next();
    const b = ts.next();
    expect(a).toBe(1_000_000_000n);
    expect(b).toBe(1_001_000_000n);
    now = 5000;
    expect(ts.next()).toBe(5_000_000_000n);
    now = 10; // a clock stepping back never makes timestamps go back
    expect(ts.next()).toBe(5_001_000_000n);
  });
});
