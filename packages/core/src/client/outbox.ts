/**
 * Publishing outside the serial step. A step commits, then hands its envelopes here and ends: with the node
 * down, a send no longer holds the next step for the publish timeout. Envelopes of one conversation are
 * published in the order their steps committed (one chain per conversation); marking messages `sent` is a
 * small serial step once their envelopes were accepted, which commits nothing (the mark rides on the next
 * commit: deferred-writes.ts). Nothing reaches the outbox before its commit.
 */
export interface Publication {
  readonly conversationId: string;
  /** Publishes in order; true when every envelope was accepted. */
  publish(): Promise<boolean>;
  /** Runs after an accepted publication (marking `sent`); undefined when there is nothing to mark. */
  readonly accepted?: () => Promise<void>;
}

export class Outbox {
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly onError: (conversationId: string, error: unknown) => void) {}

  /** Queues a publication behind the conversation's earlier ones. */
  add(p: Publication): void {
    const previous = this.#chains.get(p.conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        if ((await p.publish()) && p.accepted) await p.accepted();
      } catch (e) {
        this.onError(p.conversationId, e);
      }
    });
    this.#chains.set(p.conversationId, next);
    this.#pending.add(next);
    void next.finally(() => {
      this.#pending.delete(next);
      if (this.#chains.get(p.conversationId) === next) this.#chains.delete(p.conversationId);
    });
  }

  /** Whether nothing is queued or being published. */
  get idle(): boolean {
    return this.#pending.size === 0;
  }

  /** Resolves once everything queued so far is published (or failed). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
