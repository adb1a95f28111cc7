/**
 * `VirtualClock`: a `Clock` whose time moves only when told to, for tests and the network simulator.
 * Timers fire in (due time, scheduling order) order, so a run is a pure function of its inputs.
 */
import type { Clock, TimerHandle } from "./clock.js";

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface VirtualClockOptions {
  /** Initial time, Unix milliseconds. Default 1_700_000_000_000 (a fixed date, never the real time). */
  readonly start?: number;
  /**
   * How the async run methods let pending promise callbacks settle between two timers. Default: one
   * macrotask turn (`setTimeout(0)`); Node tests may pass `setImmediate` for speed.
   */
  readonly yieldToEventLoop?: () => Promise<void>;
}

/** Guards against a timer that re-arms itself with 0 ms forever. */
const MAX_TIMERS_PER_RUN = 10_000_000;

export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #fired = 0;
  // A binary min-heap ordered by (due, seq).
  readonly #heap: Timer[] = [];
  readonly #yield: () => Promise<void>;

  constructor(options: VirtualClockOptions = {}) {
    this.#now = options.start ?? 1_700_000_000_000;
    this.#yield = options.yieldToEventLoop ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { due: this.#now + delay, seq: this.#seq++, fn, cancelled: false };
    this.#push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#heap.filter((t) => !t.cancelled).length;
  }

  /** Total timers fired so far. */
  get fired(): number {
    return this.#fired;
  }

  /** The due time of the next live timer, if any. */
  nextDue(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.due;
  }

  /** Moves time forward by `ms`, firing every timer due up to then (including ones they schedule). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("advance needs a non-negative number of milliseconds");
    const target = this.#now + ms;
    let budget = MAX_TIMERS_PER_RUN;
    while (this.#fireNext(target)) if (--budget === 0) throw new Error("VirtualClock: timers never settle");
    this.#now = target;
  }

  /** Fires timers in order until none remain; time ends at the last one fired. Returns how many fired. */
  runUntilIdle(maxTimers: number = MAX_TIMERS_PER_RUN): number {
    let n = 0;
    while (this.#fireNext(Number.POSITIVE_INFINITY)) {
      if (++n >= maxTimers) throw new Error("VirtualClock: timers never settle");
    }
    return n;
  }

  /** Like `advance`, but lets promise callbacks run after each timer, so async handlers take part. */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError("advance needs a non-negative number of milliseconds");
    const target = this.#now + ms;
    await this.#yield();
    while (this.#fireNext(target)) await this.#yield();
    this.#now = target;
  }

  /** Like `runUntilIdle`, with promise callbacks settling after each timer. */
  async runUntilIdleAsync(maxTimers: number = MAX_TIMERS_PER_RUN): Promise<number> {
    let n = 0;
    await this.#yield();
    while (this.#fireNext(Number.POSITIVE_INFINITY)) {
      if (++n >= maxTimers) throw new Error("VirtualClock: timers never settle");
      await this.#yield();
    }
    return n;
  }

  #fireNext(limit: number): boolean {
    this.#dropCancelled();
    const next = this.#heap[0];
    if (!next || next.due > limit) return false;
    this.#pop();
    if (next.due > this.#now) this.#now = next.due;
    this.#fired++;
    next.fn();
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Timer | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
