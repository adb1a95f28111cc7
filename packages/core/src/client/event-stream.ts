/**
 * Fan-out of client events to any number of async iterators. Events emitted while nobody listens are kept
 * (up to `backlogLimit`) and handed to the next iterator, so an invite that arrives between `Client.open`
 * and the application's first `events()` call is not lost.
 */
interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
}

class Subscription<T> implements AsyncIterableIterator<T> {
  readonly queue: T[] = [];
  waiter: Waiter<T> | undefined;
  closed = false;

  constructor(private readonly onReturn: (s: Subscription<T>) => void) {}

  push(event: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: event, done: false });
    } else this.queue.push(event);
  }

  end(): void {
    this.closed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const event = this.queue.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = { resolve };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.onReturn(this);
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

export class EventStream<T> {
  readonly #subscriptions = new Set<Subscription<T>>();
  readonly #listeners = new Set<(event: T) => void>();
  #backlog: T[] = [];
  #ended = false;

  constructor(private readonly backlogLimit = 10_000) {}

  emit(event: T): void {
    if (this.#ended) return;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own; other consumers still get the event.
      }
    }
    if (this.#subscriptions.size === 0) {
      if (this.#listeners.size === 0 && this.#backlog.length < this.backlogLimit) this.#backlog.push(event);
      return;
    }
    for (const s of this.#subscriptions) s.push(event);
  }

  iterator(): AsyncIterableIterator<T> {
    const s = new Subscription<T>((x) => this.#subscriptions.delete(x));
    for (const e of this.#backlog) s.push(e);
    this.#backlog = [];
    if (this.#ended) s.end();
    else this.#subscriptions.add(s);
    return s;
  }

  /** Synchronous callback consumer; returns the unsubscribe function. */
  listen(listener: (event: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  end(): void {
    this.#ended = true;
    for (const s of this.#subscriptions) s.end();
    this.#subscriptions.clear();
    this.#listeners.clear();
  }
}
