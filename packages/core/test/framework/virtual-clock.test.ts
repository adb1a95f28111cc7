import { VirtualClock } from "@parley/core/testing";
import { describe, expect, it } from "vitest";

describe("VirtualClock", () => {
  it("starts at a fixed time and moves only when advanced", () => {
    const c = new VirtualClock({ start: 1000 });
    expect(c.now()).toBe(1000);
    c.advance(250);
    expect(c.now()).toBe(1250);
  });

  it("fires timers by due time, then in scheduling order, each at its own time", () => {
    const c = new VirtualClock({ start: 0 });
    const log: string[] = [];
    c.setTimer(30, () => log.push(`c@${c.now()}`));
    c.setTimer(10, () => log.push(`a@${c.now()}`));
    c.setTimer(10, () => log.push(`b@${c.now()}`));
    c.setTimer(0, () => log.push(`z@${c.now()}`));
    c.advance(20);
    expect(log).toEqual(["z@0", "a@10", "b@10"]);
    expect(c.now()).toBe(20);
    c.advance(100);
    expect(log).toEqual(["z@0", "a@10", "b@10", "c@30"]);
  });

  it("fires timers scheduled by timers when they fall inside the advanced window", () => {
    const c = new VirtualClock({ start: 0 });
    const log: number[] = [];
    c.setTimer(5, () => {
      log.push(c.now());
      c.setTimer(5, () => log.push(c.now()));
      c.setTimer(50, () => log.push(c.now()));
    });
    c.advance(20);
    expect(log).toEqual([5, 10]);
    expect(c.pending).toBe(1);
  });

  it("cancelled timers never fire", () => {
    const c = new VirtualClock();
    let fired = false;
    const t = c.setTimer(1, () => {
      fired = true;
    });
    t.cancel();
    c.runUntilIdle();
    expect(fired).toBe(false);
    expect(c.pending).toBe(0);
  });

  it("runUntilIdle drains everything and stops at the last due time", () => {
    const c = new VirtualClock({ start: 0 });
    let n = 0;
    const tick = () => {
      if (++n < 100) c.setTimer(7, tick);
    };
    c.setTimer(7, tick);
    expect(c.runUntilIdle()).toBe(100);
    expect(c.now()).toBe(700);
  });

  it("refuses to spin forever on a 0 ms self-rescheduling timer", () => {
    const c = new VirtualClock();
    const loop = () => c.setTimer(0, loop);
    c.setTimer(0, loop);
    expect(() => c.runUntilIdle(1000)).toThrow(/never settle/);
  });

  it("advanceAsync lets promise chains started by a timer schedule the next timer", async () => {
    const c = new VirtualClock({ start: 0, yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
    const log: number[] = [];
    const step = async (i: number) => {
      await Promise.resolve();
      await Promise.resolve();
      log.push(c.now());
      if (i < 3) c.setTimer(10, () => void step(i + 1));
    };
    c.setTimer(10, () => void step(0));
    await c.advanceAsync(100);
    expect(log).toEqual([10, 20, 30, 40]);
  });
});
