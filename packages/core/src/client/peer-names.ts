/**
 * Display names peers assert about themselves (ProfileContent), one per peer installation key, kept in the
 * application's store next to the Client's records. A name is the peer's own claim: applications show it as
 * such, below any name the user chose (docs/PROTOCOL.md §5).
 */
import { fromUtf8, utf8 } from "../base/bytes.js";
import { isDisplayName } from "../conversations/content/index.js";
import type { Store } from "../framework/store.js";
import type { ClientEvent } from "./types.js";

/** key = peer installation key (lower hex) -> JSON PeerName. */
export const PEER_NAMES_NS = "client.peer-names";

export interface PeerName {
  readonly name: string;
  /** The sender's timestamp of the message that carried it: an older message never replaces a newer name. */
  readonly at: number;
}

export class PeerNames {
  constructor(private readonly store: Store) {}

  /**
   * Records the name a `message` event carries, if it carries one. Returns the peer's name when it changed.
   * Call it with every event (or from `Client.onEvent`).
   */
  async observe(event: ClientEvent): Promise<PeerName | undefined> {
    if (event.type !== "message" || event.content.kind !== "profile") return undefined;
    const name = (event.content as { displayName?: unknown }).displayName;
    if (typeof name !== "string" || !isDisplayName(name) || !/^[0-9a-f]{64}$/.test(event.sender)) return undefined;
    const old = await this.get(event.sender);
    if (old && (old.at > event.timestamp || old.name === name)) return undefined;
    const next: PeerName = { name, at: event.timestamp };
    await this.store.commit([{ op: "put", ns: PEER_NAMES_NS, key: event.sender, value: utf8(JSON.stringify(next)) }]);
    return next;
  }

  async get(peer: string): Promise<PeerName | undefined> {
    return decode(await this.store.get(PEER_NAMES_NS, peer));
  }

  /** Every recorded name, by peer key. */
  async all(): Promise<Map<string, PeerName>> {
    const out = new Map<string, PeerName>();
    for (const { key, value } of await this.store.scan(PEER_NAMES_NS)) {
      const n = decode(value);
      if (n) out.set(key, n);
    }
    return out;
  }
}

function decode(bytes: Uint8Array | undefined): PeerName | undefined {
  if (!bytes) return undefined;
  try {
    const o = JSON.parse(fromUtf8(bytes) ?? "") as Partial<PeerName>;
    return typeof o.name === "string" && isDisplayName(o.name) && typeof o.at === "number"
      ? { name: o.name, at: o.at }
      : undefined;
  } catch {
    return undefined;
  }
}
