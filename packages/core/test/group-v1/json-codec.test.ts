/**
 * The JSON of GroupV1's records (records.ts): bigints as {"$big": "<decimal>"}, converted by a walk instead of
 * a replacer and reviver. The bytes are those the replacer wrote (records of every version read the same), and
 * decoding stays total.
 */
import { describe, expect, it } from "vitest";
import { decodeJson, encodeJson } from "../../src/conversations/group-v1/records.js";

const replacer = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? { $big: v.toString() } : v)));

describe("GroupV1 record JSON", () => {
  const value = {
    version: 4,
    nodes: [{ id: "e1", epoch: 12345678901234567890n, removed: false, parent: undefined }],
    intents: [{ kind: "add", keyPackage: "ab".repeat(500), satisfiedEpoch: 3n, satisfiedAt: undefined }],
    deep: [[1n, [2n, { x: 3n }]], null, "text", { $big: "not a bigint" }],
    lamport: 0,
  };

  it("writes the replacer's bytes and reads them back, the input untouched", () => {
    const before = structuredClone(value);
    expect(encodeJson(value)).toEqual(replacer(value));
    expect(value).toEqual(before);
    const { parent: _p, ...node } = value.nodes[0]!;
    const { satisfiedAt: _s, ...intent } = value.intents[0]!;
    expect(decodeJson(encodeJson(value))).toEqual({ ...value, nodes: [node], intents: [intent] });
  });

  it("is total, and a key named __proto__ stays a plain key", () => {
    for (const text of ["", "{", "[1,", '{"a":}', "\u00ff"])
      expect(decodeJson(new TextEncoder().encode(text))).toBeUndefined();
    expect(decodeJson(Uint8Array.of(0xc3, 0x28))).toBeUndefined();
    const odd = decodeJson(new TextEncoder().encode('{"__proto__":{"$big":"7"},"n":{"$big":"8","x":1}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(odd, "__proto__")?.value).toBe(7n);
    expect(odd.n).toBe(8n);
  });
});
