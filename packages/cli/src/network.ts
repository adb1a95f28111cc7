import { readFile } from "node:fs/promises";
import type { WakuDelivery } from "@parley/waku";
import { nodeAddressFile, UsageError } from "./paths.js";

export interface ClientNetworkOptions {
  /** The node to stay connected to (relay peer and Store service). */
  readonly node: string;
  readonly cluster?: number;
  readonly heartbeatIntervalMs?: number;
}

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
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
  });
  await delivery.start();
  return delivery;
}

/** Resolves once the node is connected (or false after `timeoutMs`); polls because connection events race. */
export async function waitConnected(
  delivery: WakuDelivery,
  timeoutMs: number,
  cancelled: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    if (delivery.libp2p.getPeers().length > 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
