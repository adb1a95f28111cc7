/**
 * Periodic work: expiry of message requests, and each conversation's `wake` (resends, acknowledgements,
 * give-up, expiry, group timers). The timer that runs it is armed again after each run.
 */
import type { Clock, TimerHandle } from "../base/clock.js";
import type { HintIndex } from "../framework/hints.js";
import type { Registry } from "../framework/registry.js";
import type { ConversationRef } from "../framework/runtime.js";
import { Transaction } from "../framework/store.js";
import { type EffectApplier, newPlan } from "./effects.js";
import { asParley } from "./errors.js";
import type { Requests } from "./requests.js";
import type { Steps } from "./step.js";
import type { ClientEvent } from "./types.js";

export interface SweepHost {
  readonly registry: Registry;
  readonly index: HintIndex;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly requests: Requests;
  readonly clock: Clock;
  readonly intervalMs: number;
  closed(): boolean;
  emit(event: ClientEvent): void;
  /** Runs a sweep as one serial step (`Client.sweep`). */
  sweep(): Promise<void>;
}

export class Sweeper {
  #timer: TimerHandle | undefined;

  constructor(private readonly host: SweepHost) {}

  /** The body of one sweep (inside a serial step). */
  async run(): Promise<void> {
    const index = this.host.index;
    await this.host.requests.expire();
    for (const ref of index.topics().flatMap((t) => index.conversationsOn(t))) await this.#wake(ref);
  }

  /** Arms the timer of the next automatic sweep. */
  arm(): void {
    const host = this.host;
    if (host.closed()) return;
    this.#timer = host.clock.setTimer(host.intervalMs, () => {
      if (host.closed()) return;
      host
        .sweep()
        .catch((e: unknown) => {
          if (!host.closed()) host.emit({ type: "error", error: asParley(e) });
        })
        .finally(() => this.arm());
    });
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** Periodic work on one conversation; a conversation whose type reports nothing changed commits nothing. */
  async #wake(ref: ConversationRef): Promise<void> {
    const { registry, steps, effects } = this.host;
    const runtime = registry.runtime(ref.type);
    const wake = runtime?.lifecycle?.wake;
    if (!runtime || !wake) return;
    const tx = new Transaction(steps.store);
    const found = await wake(steps.context(tx, runtime), ref);
    if (!found) return;
    const plan = newPlan();
    await effects.apply(tx, found, plan);
    await steps.commit(tx);
    await steps.finish(plan);
  }
}
