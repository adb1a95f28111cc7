import { describe, expect, it } from "vitest";
import { DueHeap } from "../../src/client/due-heap.js";
import { seededRandom } from "../../src/crypto/index.js";

describe("DueHeap", () => {
  it("pops every entry in order of time, whatever the order of pushes (2,000 random times, ties included)", () => {
    const random = seededRandom("due-heap");
    const heap = new DueHeap();
    const times: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const at = random(1)[0]! * 7; // 256 distinct values: many ties
      times.push(at);
      heap.push({ at, key: `k${i}` });
    }
    expect(heap.size).toBe(2_000);
    const popped: number[] = [];
    for (let e = heap.pop(); e !== undefined; e = heap.pop()) popped.push(e.at);
    expect(popped).toEqual([...times].sort((a, b) => a - b));
    expect(heap.peek()).toBeUndefined();
  });

  it("peek shows the earliest without removing it; clear empties", () => {
    const heap = new DueHeap();
    heap.push({ at: 5, key: "a" });
    heap.push({ at: 1, key: "b" });
    heap.push({ at: 3, key: "c" });
    expect(heap.peek()).toEqual({ at: 1, key: "b" });
    expect(heap.size).toBe(3);
    expect(heap.pop()?.key).toBe("b");
    expect(heap.pop()?.key).toBe("c");
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });
});
