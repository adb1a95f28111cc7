import { randomBytes } from "node:crypto";
import type { DeliveredMessage } from "@parley/core";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { WakuDelivery, type WakuDeliveryOptions } from "../../src/index.js";

/** Test networks: fast heartbeat, private cluster, every node stopped by `stop()`. */
export const TEST_NETWORK = { clusterId: 42, numShardsInCluster: 8 } as const;

export interface MemoryNet {
  readonly nodes: WakuDelivery[];
  stop(): Promise<void>;
}

/**
 * Starts `count` WakuDelivery nodes on the in-process memory transport, each dialing the previous one
 * (a line: messages must be forwarded to reach the far end).
 */
export async function startMemoryNet(count: number, options: WakuDeliveryOptions = {}): Promise<MemoryNet> {
  const run = randomBytes(4).toString("hex");
  const nodes: WakuDelivery[] = [];
  const net: MemoryNet = {
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  try {
    for (let i = 0; i < count; i++) {
      const prev = nodes[i - 1];
      const node = new WakuDelivery({
        network: TEST_NETWORK,
        heartbeatIntervalMs: 100,
        publishTimeoutMs: 5_000,
        listen: [`/memory/parley-${run}-${i}`],
        ...(prev ? { bootstrap: [prev.multiaddrs()[0]!.toString()] } : {}),
        ...options,
      });
      nodes.push(node);
      await node.start();
    }
  } catch (err) {
    await net.stop();
    throw err;
  }
  return net;
}

/** Waits until the line is formed on `contentTopic`'s shard: inner nodes have 2 mesh peers, the ends 1. */
export async function waitForLine(net: MemoryNet, contentTopic: string): Promise<void> {
  const n = net.nodes.length;
  const ok = await Promise.all(
    net.nodes.map((node, i) => node.waitForPeers(contentTopic, i === 0 || i === n - 1 ? 1 : 2, HUNG_AFTER_MS)),
  );
  if (ok.includes(false)) throw new Error(`mesh did not form on ${contentTopic}: ${ok}`);
}

/** Collects what a subscription receives and lets a test wait for a count (a hung run fails after HUNG_AFTER_MS). */
export class Inbox {
  readonly received: DeliveredMessage[] = [];
  private waiters: (() => void)[] = [];

  readonly handler = (m: DeliveredMessage): void => {
    this.received.push(m);
    for (const w of this.waiters) w();
  };

  texts(): string[] {
    return this.received.map((m) => new TextDecoder().decode(m.payload));
  }

  async waitFor(count: number, timeoutMs = HUNG_AFTER_MS): Promise<DeliveredMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages, got ${this.received.length}: ${this.texts()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.received;
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Resolves after `ms`: only for proving that something does NOT arrive within a window. */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts one WakuDelivery with the test network's settings and adds it to `running` (stopped after each test). */
export async function startDelivery(running: WakuDelivery[], options: WakuDeliveryOptions): Promise<WakuDelivery> {
  const node = new WakuDelivery({
    network: TEST_NETWORK,
    heartbeatIntervalMs: 100,
    publishTimeoutMs: 5_000,
    ...options,
  });
  await node.start();
  running.push(node);
  return node;
}
