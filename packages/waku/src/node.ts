import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "@parley/core";
import { SqliteStore } from "@parley/sqlite";
import { WakuDelivery } from "./delivery.js";
import { loadOrCreatePeerKey, peerKeyFromSeed } from "./peer-key.js";
import { DEFAULT_NETWORK, type NetworkConfig } from "./sharding.js";
import { MessageArchive, type RetentionPolicy } from "./store/archive.js";

/** The archive's SQLite file inside the data directory. */
export const ARCHIVE_FILE = "waku-store.sqlite";

export interface NodeOptions {
  /** Holds the peer key (stable multiaddr) and, by default, the message archive. */
  readonly dataDir: string;
  /** Interface to listen on. Default 127.0.0.1 (use 0.0.0.0 for a LAN node). */
  readonly host?: string;
  /** Default 60000; 0 picks a free port. */
  readonly tcpPort?: number;
  /** Plain WebSocket listener; default 60001; `false` disables it. */
  readonly wsPort?: number | false;
  readonly clusterId?: number;
  readonly numShardsInCluster?: number;
  /** Shards relayed and archived. Default: every shard of the cluster. */
  readonly shards?: readonly number[];
  /** Other nodes to keep connected (multiaddrs). */
  readonly bootstrap?: readonly string[];
  /** A fixed identity from a seed phrase (dev setups); otherwise the key persisted in dataDir. */
  readonly peerKeySeed?: string;
  readonly retention?: RetentionPolicy;
  /** Where the archive lives. Default: SqliteStore at `dataDir/waku-store.sqlite`. */
  readonly store?: Store;
  readonly heartbeatIntervalMs?: number;
  /** How often age-based retention runs. Default one minute. */
  readonly pruneIntervalMs?: number;
}

export interface RunningNode {
  readonly multiaddrs: string[];
  readonly peerId: string;
  readonly delivery: WakuDelivery;
  readonly archive: MessageArchive;
  stop(): Promise<void>;
}

/**
 * A Waku service node for one machine or a LAN: relays every shard of its cluster, archives what it relays
 * and answers Waku Store v3 queries, with a peer id that survives restarts.
 */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const privateKey = options.peerKeySeed
    ? await peerKeyFromSeed(options.peerKeySeed)
    : await loadOrCreatePeerKey(options.dataDir);
  const network: NetworkConfig = {
    clusterId: options.clusterId ?? DEFAULT_NETWORK.clusterId,
    numShardsInCluster: options.numShardsInCluster ?? DEFAULT_NETWORK.numShardsInCluster,
  };
  const host = options.host ?? "127.0.0.1";
  const listen = [`/ip4/${host}/tcp/${options.tcpPort ?? 60000}`];
  const wsPort = options.wsPort ?? 60001;
  if (wsPort !== false) listen.push(`/ip4/${host}/tcp/${wsPort}/ws`);
  const store = options.store ?? (await SqliteStore.open({ path: join(options.dataDir, ARCHIVE_FILE) }));
  const archive = new MessageArchive(store, options.retention);
  const delivery = new WakuDelivery({
    network,
    ...(options.shards ? { shards: options.shards } : {}),
    listen,
    bootstrap: options.bootstrap ?? [],
    privateKey,
    archive,
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
  });
  try {
    await delivery.start();
  } catch (err) {
    if (!options.store) await store.close();
    throw err;
  }
  await archive.prune();
  const pruner = setInterval(() => void archive.prune().catch(() => undefined), options.pruneIntervalMs ?? 60_000);
  pruner.unref();
  let stopped: Promise<void> | undefined;
  return {
    multiaddrs: delivery.multiaddrs().map((m) => m.toString()),
    peerId: delivery.peerId.toString(),
    delivery,
    archive,
    stop() {
      stopped ??= (async () => {
        clearInterval(pruner);
        await delivery.stop();
        if (!options.store) await store.close();
      })();
      return stopped;
    },
  };
}
