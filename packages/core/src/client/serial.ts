/**
 * Runs async steps one at a time, in call order. The client drives one store from one logical writer
 * (Store contract), so every inbound message, send and sweep goes through one of these.
 */
export class SerialExecutor {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(step, step);
    // The chain must survive a failed step; the caller still sees the failure.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every step queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
