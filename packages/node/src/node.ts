import { mkdir } from "node:fs/promises";
import { isIPv4 } from "node:net";
import { join } from "node:path";
import type { Store } from "@parley/core";
import { FileLock, SqliteStore } from "@parley/sqlite";
import {
  DEFAULT_NETWORK,
  loadOrCreatePeerKey,
  MessageArchive,
  type NetworkConfig,
  peerKeyFromSeed,
  type RetentionPolicy,
  WakuDelivery,
  WakuError,
} from "@parley/waku";

/** The archive's SQLite file inside the data directory. */
export const ARCHIVE_FILE = "waku-store.sqlite";
/** Held by the running node: one node per data directory (see @parley/sqlite's FileLock). */
export const LOCK_FILE = "lock";

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
  /** How this process describes itself to a second node refused on the same data directory. */
  readonly holder?: string;
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
  if (options.host !== undefined && !isIPv4(options.host)) {
    throw new WakuError("invalid-config", `host "${options.host}" is not an IPv4 address (e.g. 127.0.0.1 or 0.0.0.0)`);
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // One node per data directory, decided before any of its files is read or written: a second node is refused
  // at once (StoreLockedError, code "locked", naming the running one) and touches nothing.
  const lock = FileLock.acquire(
    join(options.dataDir, LOCK_FILE),
    `the node data directory ${options.dataDir}`,
    options.holder,
  );
  try {
    return await startLocked(options, () => lock.release());
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(options: NodeOptions, unlock: () => void): Promise<RunningNode> {
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
  const store =
    options.store ??
    (await SqliteStore.open({
      path: join(options.dataDir, ARCHIVE_FILE),
      ...(options.holder ? { holder: options.holder } : {}),
    }));
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
    await archive.prune();
  } catch (err) {
    await delivery.stop();
    if (!options.store) await store.close();
    throw err;
  }
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
        unlock();
      })();
      return stopped;
    },
  };
}
