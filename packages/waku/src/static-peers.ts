import type { Libp2p, PeerId } from "@libp2p/interface";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;

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
      const addr = multiaddr(a);
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
