/**
 * Time is injected everywhere so tests and the simulator are deterministic. `now()` is Unix milliseconds.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    // Timers must not keep a process alive on their own.
    (t as unknown as { unref?: () => void }).unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
