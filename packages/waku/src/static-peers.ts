import type { Libp2p, PeerId } from "@libp2p/interface";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { WakuError } from "./errors.js";

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;

const EXAMPLE = "/ip4/127.0.0.1/tcp/60000/p2p/12D3KooW...";

/**
 * Parses the address of a peer to dial. Refuses, with WakuError "invalid-address" saying what is wrong, text
 * that is not a multiaddr (a "host:port" or a URL), a multiaddr without a transport we speak (TCP, WebSocket
 * over TCP, in-process memory), and a /p2p/ part that is not a peer id.
 */
export function parsePeerAddress(text: string): Multiaddr {
  const bad = (why: string) =>
    new WakuError("invalid-address", `"${text}" ${why}; expected a multiaddr like ${EXAMPLE}`);
  if (!text.startsWith("/")) throw bad("is not a multiaddr (it must start with /)");
  let addr: Multiaddr;
  try {
    addr = multiaddr(text);
  } catch (err) {
    throw bad(`is not a valid multiaddr (${(err as Error).message})`);
  }
  const protos = addr.protoNames();
  if (!protos.includes("tcp") && !protos.includes("memory")) throw bad("names no TCP port");
  if (protos.includes("p2p") && addr.getPeerId() === null) throw bad("has a /p2p/ part that is not a peer id");
  return addr;
}

/**
 * Static peers (nwaku's `staticnode`): keep a connection to each configured address, redialing with bounded
 * exponential backoff whenever it is missing, so a client survives its node restarting and vice versa.
 */
export class StaticPeers {
  private readonly targets: { addr: Multiaddr; peer?: string; backoff: number; timer?: NodeJS.Timeout }[];
  private stopped = false;
  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    const id = evt.detail.toString();
    for (const t of this.targets) if (t.peer === id) this.schedule(t, 0);
  };

  constructor(
    private readonly libp2p: Libp2p,
    addrs: readonly string[],
  ) {
    this.targets = addrs.map((a) => {
      const addr = parsePeerAddress(a);
      const peer = addr.getPeerId() ?? undefined;
      return { addr, ...(peer ? { peer } : {}), backoff: MIN_BACKOFF_MS };
    });
  }

  start(): void {
    this.libp2p.addEventListener("peer:disconnect", this.onDisconnect);
    for (const t of this.targets) this.schedule(t, 0);
  }

  stop(): void {
    this.stopped = true;
    this.libp2p.removeEventListener("peer:disconnect", this.onDisconnect);
    for (const t of this.targets) clearTimeout(t.timer);
  }

  /** Peer ids learned from the addresses (given in them, or from the first connection). */
  peerIds(): string[] {
    return this.targets.flatMap((t) => (t.peer ? [t.peer] : []));
  }

  private schedule(t: (typeof this.targets)[number], ms: number): void {
    if (this.stopped) return;
    clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.dial(t), ms);
    // Node: a redial must not keep the process alive. Browsers' timers are plain numbers.
    (t.timer as { unref?: () => void }).unref?.();
  }

  private async dial(t: (typeof this.targets)[number]): Promise<void> {
    if (this.stopped) return;
    if (t.peer && this.libp2p.getConnections().some((c) => c.remotePeer.toString() === t.peer)) {
      t.backoff = MIN_BACKOFF_MS;
      return;
    }
    try {
      const conn = await this.libp2p.dial(t.addr, { signal: AbortSignal.timeout(10_000) });
      t.peer = conn.remotePeer.toString();
      t.backoff = MIN_BACKOFF_MS;
    } catch {
      const wait = t.backoff;
      t.backoff = Math.min(t.backoff * 2, MAX_BACKOFF_MS);
      this.schedule(t, wait);
    }
  }
}
