import {
  type GossipSub,
  type GossipSubComponents,
  type GossipsubEvents,
  type GossipsubOpts,
  gossipsub,
} from "@chainsafe/libp2p-gossipsub";
import type { Message, PubSub, TopicValidatorResult } from "@libp2p/interface";
import { decodeWakuMessage, relayMessageId, type WakuMessage } from "./message.js";

/**
 * Waku Relay (11/WAKU2-RELAY) is gossipsub v1.1 under its own protocol id, carrying 14/WAKU2-MESSAGE bytes,
 * unsigned (StrictNoSign: authenticity comes from the chat protocol's E2EE), with message id = sha256(data).
 */
export const RELAY_CODEC = "/vac/waku/relay/2.0.0";

/** The wire cap js-waku and nwaku use for one relay message (payload limit is lower, see delivery). */
export const MAX_RELAY_MESSAGE_BYTES = 1024 * 1024;

export interface RelayOptions {
  /** Gossipsub heartbeat; 1000 ms is the spec default, 100 ms makes meshes form fast in tests. */
  readonly heartbeatIntervalMs?: number;
}

export function wakuRelay(options: RelayOptions = {}): (components: GossipSubComponents) => GossipSub {
  const init: Partial<GossipsubOpts> = {
    globalSignaturePolicy: "StrictNoSign",
    msgIdFn: (msg: Message) => relayMessageId(msg.data),
    allowPublishToZeroTopicPeers: false,
    fallbackToFloodsub: false,
    emitSelf: false,
    maxInboundDataLength: MAX_RELAY_MESSAGE_BYTES,
    heartbeatInterval: options.heartbeatIntervalMs ?? 1000,
    // No IP colocation penalty: gossipsub's default (-5 × surplus² beyond 10 peer ids per IP, remembered for an
    // hour after they leave, and every restart of a client is a new peer id) made a node stop relaying to all
    // clients on an address after ~10 client restarts there (loopback, one NAT).
    // Test: packages/sqlite/test/client/relay-reconnects.test.ts.
    scoreParams: { IPColocationFactorWeight: 0 },
  };
  const factory = gossipsub(init) as unknown as (components: GossipSubComponents) => GossipSub;
  return (components) => {
    const relay = factory(components);
    // Speak only Waku Relay: a plain /meshsub peer is not a Waku peer (js-waku does the same).
    relay.multicodecs = [RELAY_CODEC];
    return relay;
  };
}

export type Relay = GossipSub & PubSub<GossipsubEvents>;

/**
 * The validator every Waku relay runs: drop undecodable messages and empty payloads or content topics.
 * Accepted messages are remembered in `decoded` (gossipsub emits the same object it validated), so the
 * receive path does not decode twice.
 */
export function relayValidator(maxPayloadBytes: number, decoded?: WeakMap<Message, WakuMessage>) {
  return (_peer: unknown, msg: Message): TopicValidatorResult => {
    const m = decodeWakuMessage(msg.data);
    if (!m || m.payload.length === 0 || m.contentTopic.length === 0 || m.payload.length > maxPayloadBytes)
      return "reject" as TopicValidatorResult;
    decoded?.set(msg, m);
    return "accept" as TopicValidatorResult;
  };
}
