import { ByteReader, ByteWriter } from "../../base/binary.js";
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { type SignedDeviceList, verifyDeviceList } from "./device-list.js";
import { type Parsed, refuse } from "./errors.js";
import { sameBytes } from "./keys.js";

/** What taking a verified list did to the book. */
export type BookOutcome = "first" | "newer" | "unchanged";

export interface BookUpdate {
  readonly book: DeviceListBook;
  readonly outcome: BookOutcome;
  readonly current: SignedDeviceList;
}

const STATE_VERSION = 1;

/**
 * The newest verified device list of every account a reader knows (docs/ACCOUNTS.md §2). Immutable: `offer`
 * returns the next book, so a caller commits it with the rest of its step, and a refused list leaves nothing
 * changed. Versions only grow: a lower version is a rollback, the same version with other contents a fork
 * (two primaries restored from one recovery code); both are refused and the list held stays.
 */
export class DeviceListBook {
  readonly #lists: ReadonlyMap<string, SignedDeviceList>;

  private constructor(lists: ReadonlyMap<string, SignedDeviceList>) {
    this.#lists = lists;
  }

  static empty(): DeviceListBook {
    return new DeviceListBook(new Map());
  }

  get size(): number {
    return this.#lists.size;
  }

  /** The newest list held for an account. */
  get(accountKey: Uint8Array): SignedDeviceList | undefined {
    return this.#lists.get(toHex(accountKey));
  }

  /** Every held list, in account key order. */
  lists(): SignedDeviceList[] {
    return [...this.#lists.keys()].sort().map((k) => this.#lists.get(k)!);
  }

  /**
   * Verifies a list and keeps it if it is newer than the one held. Refuses, with the list's own code, an
   * invalid list; with `device-list-rollback` a lower version; with `device-list-fork` the same version with
   * other bytes. The held list itself again is `unchanged`.
   */
  offer(crypto: CryptoProvider, signed: Pick<SignedDeviceList, "bytes" | "signature">): Parsed<BookUpdate> {
    // Lists travel with every membership change, so the held one comes back often: no signature check for it.
    const same = this.#held(signed);
    if (same !== undefined) return { ok: true, value: { book: this, outcome: "unchanged", current: same } };
    const verified = verifyDeviceList(crypto, signed.bytes, signed.signature);
    if (!verified.ok) return verified;
    const list = verified.value;
    const id = toHex(list.list.accountKey);
    const held = this.#lists.get(id);
    if (held !== undefined) {
      if (list.list.version < held.list.version)
        return refuse("device-list-rollback", `version ${list.list.version} is older than ${held.list.version}`);
      if (list.list.version === held.list.version) {
        if (!sameBytes(list.bytes, held.bytes))
          return refuse("device-list-fork", `two different lists claim version ${held.list.version}`);
        return { ok: true, value: { book: this, outcome: "unchanged", current: held } };
      }
    }
    const next = new Map(this.#lists);
    next.set(id, list);
    return {
      ok: true,
      value: { book: new DeviceListBook(next), outcome: held === undefined ? "first" : "newer", current: list },
    };
  }

  #held(signed: Pick<SignedDeviceList, "bytes" | "signature">): SignedDeviceList | undefined {
    // A canonical list starts with its account key: field 1, 32 bytes (0x0a 0x20).
    const held = this.#lists.get(toHex(signed.bytes.subarray(2, 34)));
    if (held === undefined || !sameBytes(held.bytes, signed.bytes)) return undefined;
    return sameBytes(held.signature, signed.signature) ? held : undefined;
  }

  /** Persisted form: u8 state version 1, u32 count, then each list's bytes and signature in account key order. */
  encode(): Uint8Array {
    const w = new ByteWriter().u8(STATE_VERSION);
    const lists = this.lists();
    w.u32(lists.length);
    for (const l of lists) w.bytes(l.bytes).bytes(l.signature);
    return w.finish();
  }

  /**
   * Total decoder of `encode`'s bytes. Every list is verified again (the book's invariant is that it holds
   * only verified lists, whatever the store handed back): a stored list that fails is `book-state-malformed`.
   */
  static decode(crypto: CryptoProvider, bytes: Uint8Array): Parsed<DeviceListBook> {
    const lists = new Map<string, SignedDeviceList>();
    try {
      const r = new ByteReader(bytes);
      const version = r.u8();
      if (version !== STATE_VERSION)
        return refuse("book-state-unknown-version", `device list book state version ${version} is unknown`);
      const count = r.count(8);
      let previous = "";
      for (let i = 0; i < count; i++) {
        const listBytes = r.bytes();
        const signature = r.bytes();
        const verified = verifyDeviceList(crypto, listBytes, signature);
        if (!verified.ok) return refuse("book-state-malformed", `a stored list is refused: ${verified.error.code}`);
        const id = toHex(verified.value.list.accountKey);
        if (id <= previous) return refuse("book-state-malformed", "stored lists are not in account key order");
        previous = id;
        lists.set(id, verified.value);
      }
      if (!r.done) return refuse("book-state-malformed", "trailing bytes after the device list book");
    } catch {
      return refuse("book-state-malformed", "the device list book state is truncated");
    }
    return { ok: true, value: new DeviceListBook(lists) };
  }
}
