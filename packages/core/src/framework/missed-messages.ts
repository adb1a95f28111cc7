/**
 * Relay can miss a message while the link looks healthy: a graft still in flight when the message passes,
 * a stream reset. Nothing else would bring it back before the sender's next resend, which for a chat may be
 * minutes away (and a first-contact invite has no other path at all). So, like the missing-message check
 * of Status clients, a client with a Store peer asks it now and then for what was published on its topics
 * lately and delivers what relay did not bring. Each message reaches the handlers once, whichever path
 * brings it first. Checks cover only the time since this delivery started: what was published before it
 * listened is the application's catch-up (`history` from its own mark), which a check must not pre-empt.
 *
 * Shared by WakuDelivery (Store v3 queries to its Store peer) and MemoryDelivery (its in-process history), so
 * the in-process world has the same recovery path as the network.
 */
import type { Clock, TimerHandle } from "../base/clock.js";
import type { DeliveredMessage, HistoryQuery } from "./delivery.js";

export interface MissedMessageOptions {
  /** How often to ask the Store peer. */
  readonly intervalMs: number;
  /**
   * How far back each check looks, by sender timestamp. Default: two intervals plus 30 s, so a check that
   * failed once and clocks a little apart do not leave a hole.
   */
  readonly lookbackMs?: number;
}

export interface MissedMessageHost {
  readonly clock: Clock;
  /** The content topics someone listens to now. */
  topics(): string[];
  history(query: HistoryQuery): AsyncIterable<DeliveredMessage>;
  /** Hands one recovered message to the subscribers. */
  deliver(message: DeliveredMessage): void;
}

/** Extra time a delivered hash is remembered beyond the lookback (clock skew between sender and us). */
const SKEW_MS = 60_000;

export class MissedMessages {
  readonly #interval: number;
  readonly #lookback: number;
  /** Hash -> when it was delivered (our clock): what a check must not deliver again. */
  readonly #delivered = new Map<string, number>();
  #timer: TimerHandle | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;
  /** When listening began: older history is the application's catch-up, not a relay miss. */
  #since = Number.POSITIVE_INFINITY;
  /** Messages delivered by checks so far (relay missed them). */
  recovered = 0;

  constructor(
    options: MissedMessageOptions,
    private readonly host: MissedMessageHost,
  ) {
    if (!(options.intervalMs > 0)) throw new RangeError("missed-message interval must be positive");
    this.#interval = options.intervalMs;
    this.#lookback = options.lookbackMs ?? 2 * options.intervalMs + 30_000;
  }

  /**
   * Records a message delivered by relay (or by our own publish). False when it was delivered already, so
   * the caller drops it.
   */
  first(hash: string): boolean {
    if (this.#delivered.has(hash)) return false;
    this.#delivered.set(hash, this.host.clock.now());
    return true;
  }

  start(): void {
    this.#stopped = false;
    this.#since = this.host.clock.now();
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /**
   * Asks the Store peer once for the lookback window and delivers what was missed; resolves with how many.
   * A check already running is joined, not doubled. Failures (no Store peer now) wait for the next check.
   */
  check(): Promise<number> {
    this.#running ??= this.#check().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #check(): Promise<number> {
    const now = this.host.clock.now();
    this.#forget(now);
    const topics = this.host.topics();
    if (topics.length === 0) return 0;
    let found = 0;
    try {
      for await (const m of this.host.history({
        contentTopics: topics,
        startTime: Math.max(now - this.#lookback, this.#since),
      })) {
        if (this.#stopped) break;
        if (!this.first(m.hash)) continue;
        found++;
        this.host.deliver(m);
      }
    } catch {
      // The Store peer is unreachable or refused: nothing is lost, the next check covers the same window.
    }
    this.recovered += found;
    return found;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.host.clock.setTimer(this.#interval, () => {
      void this.check().finally(() => this.#arm());
    });
  }

  /** Drops hashes no check can return any more. */
  #forget(now: number): void {
    const before = now - this.#lookback - SKEW_MS;
    for (const [hash, at] of this.#delivered) {
      if (at >= before) break; // insertion order is delivery order
      this.#delivered.delete(hash);
    }
  }
}
