import { defaultRandom, toHex } from "@parley/core";
import { seededRandom } from "@parley/core/testing";
import { describe, expect, it } from "vitest";

describe("randomness sources", () => {
  it("seededRandom is deterministic, seed-dependent, and independent of how reads are split", () => {
    const a = seededRandom("seed");
    const b = seededRandom("seed");
    const whole = a(5000);
    const parts = [b(1), b(63), b(64), b(4096 - 128), b(5000 - 4096)];
    expect(toHex(Uint8Array.from(parts.flatMap((p) => [...p])))).toBe(toHex(whole));
    expect(seededRandom("other")(32)).not.toEqual(whole.subarray(0, 32));
    expect(seededRandom(new TextEncoder().encode("seed"))(32)).toEqual(whole.subarray(0, 32));
  });

  it("defaultRandom returns fresh bytes of the requested length, beyond the 64 KiB getRandomValues limit", () => {
    const big = defaultRandom(100_000);
    expect(big).toHaveLength(100_000);
    expect(big.subarray(70_000, 70_032)).not.toEqual(new Uint8Array(32));
    expect(defaultRandom(32)).not.toEqual(defaultRandom(32));
    expect(defaultRandom(0)).toHaveLength(0);
  });
});
