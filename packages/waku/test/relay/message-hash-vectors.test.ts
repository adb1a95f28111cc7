/**
 * Known-answer tests for the deterministic message hash (14/WAKU2-MESSAGE). The vectors are published facts:
 * - the RFC's four "Test vectors": vacp2p/rfc-index, waku/standards/core/14/message.md
 *   (https://rfc.vac.dev/waku/standards/core/14/message#test-vectors), CC0;
 * - js-waku's "no timestamp" and "message is IProtoMessage with version" cases: waku-org/js-waku,
 *   packages/core/src/lib/message_hash/message_hash.spec.ts (formerly @waku/message-hash), MIT OR Apache-2.0.
 * Our implementation is not compared with a library here: each expected hash is the published one.
 */
import { toHex } from "@parley/core";
import { describe, expect, it } from "vitest";
import { messageHash, type WakuMessage } from "../../src/index.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));

const PUBSUB_TOPIC = "/waku/2/default-waku/proto";
const CONTENT_TOPIC = "/waku/2/default-content/proto";
const PAYLOAD = hex("0x010203045445535405060708");
const META_12 = hex("0x73757065722d736563726574"); // "super-secret"
const META_64 = hex(
  "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
);
const TS = 0x175789bfa23f8400n;

const VECTORS: { name: string; source: "RFC 14" | "js-waku"; message: WakuMessage; hash: string }[] = [
  {
    name: "meta of 12 bytes",
    source: "RFC 14",
    message: { payload: PAYLOAD, contentTopic: CONTENT_TOPIC, meta: META_12, timestamp: TS },
    hash: "64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05",
  },
  {
    name: "meta of 64 bytes",
    source: "RFC 14",
    message: { payload: PAYLOAD, contentTopic: CONTENT_TOPIC, meta: META_64, timestamp: TS },
    hash: "7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27",
  },
  {
    name: "meta not present",
    source: "RFC 14",
    message: { payload: PAYLOAD, contentTopic: CONTENT_TOPIC, timestamp: TS },
    hash: "a2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8",
  },
  {
    name: "payload of length 0",
    source: "RFC 14",
    message: { payload: new Uint8Array(0), contentTopic: CONTENT_TOPIC, meta: META_12, timestamp: TS },
    hash: "483ea950cb63f9b9d6926b262bb36194d3f40a0463ce8446228350bd44e96de4",
  },
  {
    name: "no timestamp",
    source: "js-waku",
    message: { payload: new Uint8Array(0), contentTopic: CONTENT_TOPIC, meta: META_12 },
    hash: "e1a9596237dbe2cc8aaf4b838c46a7052df6bc0d42ba214b998a8bfdbe8487d6",
  },
  {
    name: "with version 0 (the version is not hashed)",
    source: "js-waku",
    message: {
      payload: new Uint8Array(0),
      contentTopic: CONTENT_TOPIC,
      meta: META_12,
      timestamp: BigInt(Date.parse("2024-04-30T10:54:14.978Z")) * 1_000_000n,
      version: 0,
    },
    hash: "3f11bc950dce0e3ffdcf205ae6414c01130bb5d9f20644869bff80407fa52c8f",
  },
];

describe("14/WAKU2-MESSAGE deterministic hash: published vectors", () => {
  it.each(VECTORS)("$source: $name", ({ message, hash }) => {
    expect(toHex(messageHash(PUBSUB_TOPIC, message))).toBe(hash);
  });

  it("a missing timestamp is left out, not hashed as 8 zero bytes (and 0 counts as missing)", () => {
    const noTs = VECTORS.find((v) => v.name === "no timestamp")!;
    expect(toHex(messageHash(PUBSUB_TOPIC, { ...noTs.message, timestamp: 0n }))).toBe(noTs.hash);
    const withZeros = messageHash(PUBSUB_TOPIC, {
      ...noTs.message,
      meta: Uint8Array.from([...META_12, ...new Uint8Array(8)]),
    });
    expect(toHex(withZeros)).not.toBe(noTs.hash); // control: 8 zero bytes would change the hash
  });
});
