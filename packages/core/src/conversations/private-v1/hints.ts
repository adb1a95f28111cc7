/**
 * What a conversation's next steps must know that no stored state records, by local conversation id. Both
 * are derived from input the ratchet could not authenticate (again), so they live in memory only and never
 * change stored state by themselves; losing them (a restart) only costs one more resend or delays a reset.
 */
export class SessionHints {
  /** Acknowledgements to repeat for resends recognised as replays (their message key was used). */
  readonly #reacks = new Map<string, Set<string>>();
  /** Payloads that failed to open since the last one that opened: what a session reset is decided on. */
  readonly #failures = new Map<string, { count: number; since: number }>();

  owe(conversationId: string, sdsId: string): void {
    let set = this.#reacks.get(conversationId);
    if (!set) {
      set = new Set();
      this.#reacks.set(conversationId, set);
    }
    set.add(sdsId);
  }

  /** The acknowledgements owed, forgotten as they are taken. */
  takeReacks(conversationId: string): ReadonlySet<string> | undefined {
    const set = this.#reacks.get(conversationId);
    this.#reacks.delete(conversationId);
    return set;
  }

  failed(conversationId: string, now: number): void {
    const f = this.#failures.get(conversationId);
    if (f) f.count++;
    else this.#failures.set(conversationId, { count: 1, since: now });
  }

  failures(conversationId: string): { readonly count: number; readonly since: number } | undefined {
    return this.#failures.get(conversationId);
  }

  /** Something opened (or a new session started): the failures so far say nothing any more. */
  opened(conversationId: string): void {
    this.#failures.delete(conversationId);
  }
}
