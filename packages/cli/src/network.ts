import { readFile } from "node:fs/promises";
import type { WakuDelivery } from "@parley/waku";
import { nodeAddressFile, UsageError } from "./paths.js";

export interface ClientNetworkOptions {
  /** The node to stay connected to (relay peer and Store service). */
  readonly node: string;
  readonly cluster?: number;
  readonly heartbeatIntervalMs?: number;
  /** How often to ask the node's Store for what relay missed on my topics. Default 30 s. */
  readonly missedCheckMs?: number;
}

/** Relay can lose a message on a link that looks healthy; the node's Store fills the hole within this. */
const MISSED_CHECK_MS = 30_000;

/** The node's address: the one given, else the TCP address a local `parley node --data DIR` wrote. */
export async function resolveNodeAddress(dataDir: string, given?: string): Promise<string> {
  if (given) return given;
  let text: string;
  try {
    text = await readFile(nodeAddressFile(dataDir), "utf8");
  } catch {
    throw new UsageError(
      `no --node given and no running node found in ${dataDir} (start one with \`parley node --data ${dataDir}\`)`,
    );
  }
  const addrs = text.split("\n").filter((l) => l.startsWith("/"));
  const addr = addrs.find((a) => !a.includes("/ws")) ?? addrs[0];
  if (!addr) throw new UsageError(`${nodeAddressFile(dataDir)} lists no address`);
  return addr;
}

/** A dial-only WakuDelivery that keeps a connection to one node and uses it for Store history. */
export async function connectClient(options: ClientNetworkOptions): Promise<WakuDelivery> {
  const { WakuDelivery } = await import("@parley/waku");
  const delivery = new WakuDelivery({
    network: { clusterId: options.cluster ?? 42, numShardsInCluster: 8 },
    bootstrap: [options.node],
    storePeers: [options.node],
    missedMessages: { intervalMs: options.missedCheckMs ?? MISSED_CHECK_MS },
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
  });
  await delivery.start();
  return delivery;
}

/** Any Parley content topic: autosharding puts every `/logos-chat/1/…` topic on the same shard. */
const PARLEY_TOPIC = "/logos-chat/1/0000/proto";

/**
 * Resolves true once the node is connected AND in this client's relay mesh for Parley's shard (or false
 * after `timeoutMs`). A connection alone is not enough: until the node has grafted us, it does not forward
 * what others publish, so a message sent in that window would only reach us later, from history or a resend.
 */
export async function waitConnected(
  delivery: WakuDelivery,
  timeoutMs: number,
  cancelled: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    if (delivery.libp2p.getPeers().length > 0) {
      const left = deadline - Date.now();
      if (await delivery.waitForPeers(PARLEY_TOPIC, 1, Math.max(0, Math.min(left, 1_000)))) return true;
      continue;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
