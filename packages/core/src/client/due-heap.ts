/**
 * A min-heap of (due time, key): what the sweep pops instead of passing over every conversation. Entries are
 * never updated in place; a newer time for a key is pushed beside the old one, and the reader drops entries
 * whose time is no longer the key's current one (lazy deletion keeps each update O(log n)).
 */
export interface DueEntry {
  readonly at: number;
  readonly key: string;
}

export class DueHeap {
  readonly #a: DueEntry[] = [];

  get size(): number {
    return this.#a.length;
  }

  push(entry: DueEntry): void {
    const a = this.#a;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= entry.at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = entry;
  }

  /** The earliest entry, without removing it. */
  peek(): DueEntry | undefined {
    return this.#a[0];
  }

  pop(): DueEntry | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
      if (a[c]!.at >= last.at) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }

  clear(): void {
    this.#a.length = 0;
  }
}
