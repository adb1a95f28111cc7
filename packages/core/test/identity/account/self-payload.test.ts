/**
 * AccountSelfV1's payloads (identity/account/self-payload.ts): each kind round-trips; decoding is total, and
 * every malformed, oversized or other-version input is refused with its code.
 */
import { describe, expect, it } from "vitest";
import {
  decodeSelfPayload,
  encodeSelfPayload,
  markerAfter,
  SELF_PART_ENTRIES,
  type SelfPayload,
} from "../../../src/identity/account/self-payload.js";
import { create, SelfPayloadSchema, toBinary } from "../../../src/wire/index.js";

const samples: SelfPayload[] = [
  {
    kind: "conversations",
    conversations: [
      { id: "ab12", type: "GroupV1", name: "g" },
      { id: "cd", type: "PrivateV1", name: "" },
    ],
  },
  { kind: "read-markers", markers: [{ conversationId: "ab12", messageId: "m1", timestamp: 1_700_000_000_000 }] },
  { kind: "display-name", name: "Ada", setAt: 5 },
  {
    kind: "history",
    to: "ee".repeat(32),
    conversationId: "ab12",
    messages: [{ messageId: "m1", sender: "", timestamp: 9, content: new Uint8Array([1, 2, 3]) }],
  },
];

describe("SelfPayload", () => {
  it("each kind round-trips", () => {
    for (const p of samples) expect(decodeSelfPayload(encodeSelfPayload(p))).toEqual({ ok: true, value: p });
  });

  it("refuses bytes that are not a payload, another version, no body, or entries out of bounds", () => {
    const code = (b: Uint8Array) => {
      const r = decodeSelfPayload(b);
      return r.ok ? "ok" : r.error.code;
    };
    expect(code(new Uint8Array([0xff, 0xff, 0xff]))).toBe("self-payload-malformed");
    expect(code(toBinary(SelfPayloadSchema, create(SelfPayloadSchema, { version: 1 })))).toBe("self-payload-malformed");
    expect(code(toBinary(SelfPayloadSchema, create(SelfPayloadSchema, { version: 2 })))).toBe(
      "self-payload-unknown-version",
    );
    const many = Array.from({ length: SELF_PART_ENTRIES + 1 }, (_, i) => ({ id: `c${i}`, type: "T", name: "" }));
    expect(code(encodeSelfPayload({ kind: "conversations", conversations: many }))).toBe("self-payload-malformed");
    expect(code(encodeSelfPayload({ kind: "conversations", conversations: [{ id: "", type: "T", name: "" }] }))).toBe(
      "self-payload-malformed",
    );
    expect(code(encodeSelfPayload({ kind: "display-name", name: "", setAt: 1 }))).toBe("self-payload-malformed");
    expect(
      code(
        encodeSelfPayload({ kind: "read-markers", markers: [{ conversationId: "c", messageId: "", timestamp: 1 }] }),
      ),
    ).toBe("self-payload-malformed");
    // Any truncation of a valid payload: a code, never a throw.
    const full = encodeSelfPayload(samples[3]!);
    for (let n = 0; n < full.length; n++) expect(() => decodeSelfPayload(full.subarray(0, n))).not.toThrow();
  });

  it("markers are ordered by (timestamp, message id)", () => {
    const m = (timestamp: number, messageId: string) => ({ conversationId: "c", messageId, timestamp });
    expect(markerAfter(m(2, "a"), m(1, "z"))).toBe(true);
    expect(markerAfter(m(1, "b"), m(1, "a"))).toBe(true);
    expect(markerAfter(m(1, "a"), m(1, "a"))).toBe(false);
    expect(markerAfter(m(1, "z"), m(2, "a"))).toBe(false);
    expect(markerAfter(m(1, "a"), undefined)).toBe(true);
  });
});
