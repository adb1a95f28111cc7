/**
 * Admission bounds for what peers can make this client store without its application asking: invites
 * (conversations or message requests) per time window, and per sender the group-control frames that create
 * state (key-package requests, welcomes). Counts live in memory: a restart opens a fresh window, which a
 * flooder gains nothing from (the pending cap and the stored requests survive restarts).
 */

/** Sliding window: at most `limit` admissions in any `windowMs`. Holds at most `limit` timestamps. */
export class RateWindow {
  readonly #times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records an admission at `now` and returns true, or returns false when the window is full. */
  admit(now: number): boolean {
    if (this.limit === Number.POSITIVE_INFINITY) return true;
    while (this.#times.length > 0 && this.#times[0]! <= now - this.windowMs) this.#times.shift();
    if (this.#times.length >= this.limit) return false;
    this.#times.push(now);
    return true;
  }

  /** True when nothing admitted within the window remains (the window can be forgotten). */
  idle(now: number): boolean {
    return this.#times.every((t) => t <= now - this.windowMs);
  }
}

/** One RateWindow per sender; windows gone idle are forgotten, so memory follows active senders only. */
export class PerSenderWindows {
  readonly #windows = new Map<string, RateWindow>();
  #pruned = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  admit(sender: string, now: number): boolean {
    let w = this.#windows.get(sender);
    if (!w) {
      // At most one pass per window: the map holds the senders of the last two windows at most.
      if (now - this.#pruned >= this.windowMs) {
        this.#pruned = now;
        for (const [k, v] of this.#windows) if (v.idle(now)) this.#windows.delete(k);
      }
      w = new RateWindow(this.limit, this.windowMs);
      this.#windows.set(sender, w);
    }
    return w.admit(now);
  }
}
