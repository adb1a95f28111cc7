// A released js-waku relay node (@waku/sdk 0.0.26 createRelayNode → @waku/relay 0.0.13, libp2p 1.9.4) that
// dials a Parley node, subscribes to a content topic, publishes one message and prints JSON lines.
// Runs from the scratch folder where those packages are installed (see README.md), not from the repo.
import { tcp } from "@libp2p/tcp";
import { multiaddr } from "@multiformats/multiaddr";
import { bytesToUtf8, createDecoder, createEncoder, Protocols, utf8ToBytes, waitForRemotePeer } from "@waku/sdk";
import { createRelayNode } from "@waku/sdk/relay";

const [target, contentTopic, pubsubTopic] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const node = await createRelayNode({
  pubsubTopics: [pubsubTopic],
  defaultBootstrap: false,
  libp2p: { transports: [tcp()], addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] }, hideWebSocketInfo: true },
});
await node.start();
out({ event: "started", peerId: node.libp2p.peerId.toString(), protocols: node.libp2p.getProtocols() });
await node.dial(multiaddr(target));
await waitForRemotePeer(node, [Protocols.Relay], 20_000);
out({ event: "relay-peer" });
await node.relay.subscribe([createDecoder(contentTopic, pubsubTopic)], (m) =>
  out({ event: "message", text: bytesToUtf8(m.payload), timestamp: m.timestamp?.getTime() }),
);
// Let the gossipsub mesh form (js-waku 0.0.26 has no mesh wait in send).
await new Promise((r) => setTimeout(r, 1500));
const res = await node.relay.send(createEncoder({ contentTopic, pubsubTopic }), {
  payload: utf8ToBytes("hello from js-waku relay"),
});
out({ event: "sent", recipients: res.successes.map(String), failures: res.failures });
await new Promise((r) => setTimeout(r, Number(process.env.LINGER ?? 6000)));
await node.stop();
out({ event: "stopped" });
process.exit(0);
