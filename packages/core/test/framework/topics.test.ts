import { blake2b } from "@noble/hashes/blake2.js";
import { NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import { CONTENT_TOPIC_PREFIX, contentTopic, deliveryAddress, parseContentTopic } from "@parley/core/internals";
import { describe, expect, it } from "vitest";

const crypto = new NobleCryptoProvider();

describe("delivery addresses and content topics", () => {
  it("delivery address = lower_hex(BLAKE2b(dkLen, u8(len(domain)) || domain || input))", () => {
    const input = utf8("installation key bytes");
    const expected = toHex(blake2b(Uint8Array.from([5, ...utf8("inbox"), ...input]), { dkLen: 8 }));
    expect(deliveryAddress(crypto, "inbox", input)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{16}$/);
  });

  it("the length is BLAKE2b's output parameter, not a truncation", () => {
    const a4 = deliveryAddress(crypto, "d", utf8("x"), 4);
    const a8 = deliveryAddress(crypto, "d", utf8("x"), 8);
    expect(a4).toHaveLength(8);
    expect(a8.startsWith(a4)).toBe(false);
    expect(() => deliveryAddress(crypto, "d", utf8("x"), 0)).toThrow(RangeError);
    expect(() => deliveryAddress(crypto, "d", utf8("x"), 65)).toThrow(RangeError);
  });

  it("domains separate: the same input under two domains, and shifted boundaries, give different addresses", () => {
    const x = utf8("same input");
    expect(deliveryAddress(crypto, "inbox", x)).not.toBe(deliveryAddress(crypto, "group", x));
    // Without the length prefix ("ab" || "c") and ("a" || "bc") would collide.
    expect(deliveryAddress(crypto, "ab", utf8("c"))).not.toBe(deliveryAddress(crypto, "a", utf8("bc")));
    expect(() => deliveryAddress(crypto, "", x)).toThrow(RangeError);
  });

  it("content topic is /logos-chat/1/{delivery_address}/proto and parses back", () => {
    const addr = deliveryAddress(crypto, "inbox", utf8("k"));
    const topic = contentTopic(addr);
    expect(topic).toBe(`/logos-chat/1/${addr}/proto`);
    expect(topic.startsWith(CONTENT_TOPIC_PREFIX)).toBe(true);
    expect(parseContentTopic(topic)).toBe(addr);
    expect(parseContentTopic("/logos-chat/1//proto")).toBeUndefined();
    expect(parseContentTopic("/logos-chat/1/a/b/proto")).toBeUndefined();
    expect(parseContentTopic("/waku/2/default-content/proto")).toBeUndefined();
    expect(() => contentTopic("a/b")).toThrow(RangeError);
  });
});
