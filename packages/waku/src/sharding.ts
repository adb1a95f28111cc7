import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "@parley/core";
import { WakuError } from "./errors.js";

/**
 * Autosharding (51/WAKU2-RELAY-SHARDING): a content topic `/{app}/{version}/{name}/{encoding}` (optionally with
 * a leading generation `/0`) lives on shard `sha256(app || version)[24..32] as u64 BE mod numShards` of its
 * cluster, i.e. pubsub topic `/waku/2/rs/{cluster}/{shard}`. Only app and version count, so every topic of one
 * application version shares a shard and content-topic filtering happens locally.
 */
export interface NetworkConfig {
  readonly clusterId: number;
  readonly numShardsInCluster: number;
}

/** Parley's private cluster by default (The Waku Network is cluster 1 and requires RLN). */
export const DEFAULT_NETWORK: NetworkConfig = { clusterId: 42, numShardsInCluster: 8 };

export interface ParsedContentTopic {
  readonly generation: number;
  readonly application: string;
  readonly version: string;
  readonly topicName: string;
  readonly encoding: string;
}

/** Returns undefined for a content topic autosharding cannot place (the same rules as nwaku and js-waku). */
export function parseContentTopic(contentTopic: string): ParsedContentTopic | undefined {
  const parts = contentTopic.split("/");
  if (parts[0] !== "" || parts.length < 5 || parts.length > 6) return undefined;
  let generation = 0;
  if (parts.length === 6) {
    if (!/^\d+$/.test(parts[1]!)) return undefined;
    generation = Number(parts[1]);
    if (generation > 0) return undefined;
  }
  const [application, version, topicName, encoding] = parts.slice(-4) as [string, string, string, string];
  if (!application || !version || !topicName || !encoding) return undefined;
  return { generation, application, version, topicName, encoding };
}

export function contentTopicToShard(contentTopic: string, numShardsInCluster: number): number {
  const parsed = parseContentTopic(contentTopic);
  if (!parsed) throw new WakuError("invalid-content-topic", `not an autosharding content topic: ${contentTopic}`);
  const digest = sha256.create().update(utf8(parsed.application)).update(utf8(parsed.version)).digest();
  return Number(new DataView(digest.buffer, digest.byteOffset, 32).getBigUint64(24) % BigInt(numShardsInCluster));
}

export function pubsubTopicFor(clusterId: number, shard: number): string {
  return `/waku/2/rs/${clusterId}/${shard}`;
}

export function contentTopicToPubsubTopic(contentTopic: string, network: NetworkConfig): string {
  return pubsubTopicFor(network.clusterId, contentTopicToShard(contentTopic, network.numShardsInCluster));
}

/** `/waku/2/rs/{cluster}/{shard}` → numbers, or undefined for any other pubsub topic. */
export function parsePubsubTopic(pubsubTopic: string): { clusterId: number; shard: number } | undefined {
  const m = /^\/waku\/2\/rs\/(\d{1,5})\/(\d{1,5})$/.exec(pubsubTopic);
  if (!m) return undefined;
  return { clusterId: Number(m[1]), shard: Number(m[2]) };
}

export function validateNetwork(network: NetworkConfig): void {
  const { clusterId, numShardsInCluster } = network;
  if (!Number.isInteger(clusterId) || clusterId < 0 || clusterId > 65535)
    throw new WakuError("invalid-config", `clusterId must be an integer in 0..65535, got ${clusterId}`);
  if (!Number.isInteger(numShardsInCluster) || numShardsInCluster < 1 || numShardsInCluster > 1024)
    throw new WakuError(
      "invalid-config",
      `numShardsInCluster must be an integer in 1..1024, got ${numShardsInCluster}`,
    );
}
