/**
 * GroupV1's framework state record (due-state.ts), version 1: when the group is next due. Decoding is total:
 * anything this version does not read, the empty record included, is due at once, so it costs one wake and
 * the wake writes a current record; a timer is never lost.
 */
import { describe, expect, it } from "vitest";
import { decodeDueState, encodeDueState } from "../../src/conversations/group-v1/due-state.js";

describe("GroupV1 due-time record", () => {
  it("round-trips, Infinity (nothing due) included, in 9 bytes", () => {
    for (const at of [0, 1_700_000_123_456, Number.POSITIVE_INFINITY]) {
      const bytes = encodeDueState({ at });
      expect(bytes).toHaveLength(9);
      expect(bytes[0]).toBe(1);
      expect(decodeDueState(bytes)).toEqual({ at });
    }
  });

  it("anything else is due at once, never an exception", () => {
    const nan = encodeDueState({ at: Number.NaN });
    const v2 = encodeDueState({ at: 5 });
    v2[0] = 2;
    for (const bytes of [new Uint8Array(0), new Uint8Array(8), new Uint8Array(10), nan, v2])
      expect(decodeDueState(bytes)).toEqual({ at: 0 });
  });
});
