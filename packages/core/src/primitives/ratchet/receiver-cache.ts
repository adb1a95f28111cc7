/**
 * What a receiver keeps in memory, outside the ratchet state, so that a message it cannot authenticate yet
 * costs it little. A header is authenticated only by the AEAD under the message key at its position, and
 * reaching position n of a chain takes n chain-KDF steps, so anyone who saw one envelope could replay its hint
 * with n = recvN + max_skip and make the receiver walk max_skip steps per forgery.
 *
 * - `ChainWalks` keeps the chain keys of receiving chains walked ahead of the state's position: a second header
 *   on the same chain costs no walk, and the walk of one chain costs at most max_skip steps in all.
 * - `FreshChainBudget` bounds the walking on NEW chains (a header with a ratchet key never seen), which no
 *   cache can share since a forger picks a fresh key each time: per receiving window (our current ratchet
 *   key), a first message at n <= FRESH_CHAIN_FREE_STEPS is always tried, a farther one only while the
 *   window's budget of unauthenticated steps lasts (max_skip per minute by default).
 *
 * Neither is ratchet state: both may be lost at any time (a restart, eviction) at the cost of a re-walk or a
 * fresh budget, and neither changes what `decrypt` accepts except the budget's refusal of far-ahead first
 * messages on new chains while it is spent.
 */
import { constantTimeEqual, toHex, zeroize } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { kdfChainKey } from "./kdf.js";

/** Chains whose walks are kept (each at most max_skip + 1 keys of 32 bytes: 32 KB at the default). */
export const DEFAULT_CHAIN_WALKS = 64;
/** A new chain's first message at a position up to this is always tried (a peer's first messages may be lost). */
export const FRESH_CHAIN_FREE_STEPS = 16;
export const DEFAULT_FRESH_CHAIN_WINDOW_MS = 60_000;
const DEFAULT_BUDGETS = 1024;

interface Walk {
  /** Position of keys[0]. */
  base: number;
  /** keys[i] is the chain key at position base + i; owned by the cache (zeroized when dropped). */
  keys: Uint8Array[];
}

/** Reads chain keys of one walk; valid until the next call on the cache. */
export type ChainKeyAt = (position: number) => Uint8Array;

export class ChainWalks {
  readonly #walks = new Map<string, Walk>();

  constructor(readonly capacity: number = DEFAULT_CHAIN_WALKS) {}

  /**
   * The chain keys at positions from..until of the receiving chain `dh` whose key at `from` is `chainKey`
   * (from <= until). Kept keys are reused once the one at `from` equals `chainKey`, so a stale or foreign entry
   * is never used; the others cost one chain-KDF step each and are kept. Keys before `from` are dropped: the
   * state has moved past them.
   */
  walk(crypto: CryptoProvider, dh: Uint8Array, from: number, chainKey: Uint8Array, until: number): ChainKeyAt {
    const id = toHex(dh);
    let w = this.#walks.get(id);
    if (w !== undefined) this.#walks.delete(id);
    const at = w === undefined ? -1 : from - w.base;
    if (w !== undefined && at >= 0 && at < w.keys.length && constantTimeEqual(w.keys[at]!, chainKey)) {
      for (const k of w.keys.splice(0, at)) zeroize(k);
      w.base = from;
    } else {
      if (w !== undefined) dropWalk(w);
      w = { base: from, keys: [chainKey.slice()] };
    }
    this.#walks.set(id, w);
    // The walk just set is the most recent, so it survives eviction (capacity 0 behaves as 1).
    while (this.#walks.size > Math.max(1, this.capacity)) {
      const oldest = this.#walks.keys().next().value!;
      dropWalk(this.#walks.get(oldest)!);
      this.#walks.delete(oldest);
    }
    const walk = w;
    for (let last = walk.keys.at(-1)!; walk.base + walk.keys.length <= until; ) {
      last = kdfChainKey(crypto, last);
      walk.keys.push(last);
    }
    return (position) => walk.keys[position - walk.base]!;
  }

  /** Chains kept (for tests). */
  get size(): number {
    return this.#walks.size;
  }

  clear(): void {
    for (const w of this.#walks.values()) dropWalk(w);
    this.#walks.clear();
  }
}

function dropWalk(w: Walk): void {
  for (const k of w.keys) zeroize(k);
  w.keys = [];
}

interface Spent {
  steps: number;
  since: number;
}

export class FreshChainBudget {
  readonly #spent = new Map<string, Spent>();

  /** @param windowMs after this long a receiving key's budget is whole again */
  constructor(
    readonly windowMs: number = DEFAULT_FRESH_CHAIN_WINDOW_MS,
    readonly capacity: number = DEFAULT_BUDGETS,
  ) {}

  /**
   * Whether a first message at position n of a new chain may be tried by the holder of `selfKey` at `now`,
   * when `steps` unauthenticated steps are allowed per window (the ratchet's max_skip).
   */
  allows(selfKey: Uint8Array, n: number, now: number, steps: number): boolean {
    if (n <= FRESH_CHAIN_FREE_STEPS) return true;
    const s = this.#current(toHex(selfKey), now);
    return (s?.steps ?? 0) + n <= steps;
  }

  /** Records the steps a new-chain header that failed authentication cost. */
  charge(selfKey: Uint8Array, n: number, now: number): void {
    if (n <= FRESH_CHAIN_FREE_STEPS) return;
    const id = toHex(selfKey);
    const s = this.#current(id, now) ?? { steps: 0, since: now };
    s.steps += n;
    this.#spent.delete(id);
    this.#spent.set(id, s);
    if (this.#spent.size > this.capacity) this.#spent.delete(this.#spent.keys().next().value!);
  }

  #current(id: string, now: number): Spent | undefined {
    const s = this.#spent.get(id);
    if (s !== undefined && (now - s.since >= this.windowMs || now < s.since)) {
      this.#spent.delete(id);
      return undefined;
    }
    return s;
  }

  clear(): void {
    this.#spent.clear();
  }
}

/** The receiver-side memory of one process (or one test). */
export interface ReceiverCache {
  readonly walks: ChainWalks;
  readonly budget: FreshChainBudget;
}

export function newReceiverCache(chains = DEFAULT_CHAIN_WALKS): ReceiverCache {
  return { walks: new ChainWalks(chains), budget: new FreshChainBudget() };
}

/** The cache every `DoubleRatchet` uses unless given its own. */
export const sharedReceiverCache: ReceiverCache = newReceiverCache();
