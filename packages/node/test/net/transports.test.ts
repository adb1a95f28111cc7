import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore } from "@parley/core/testing";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { PEER_KEY_FILE, WakuDelivery } from "@parley/waku";
import { afterEach, describe, expect, it } from "vitest";
import { Inbox, TEST_NETWORK, text } from "../../../waku/test/helpers/memory-nodes.js";
import { parseNodeArgs, type RunningNode, startNode } from "../../src/index.js";

const TOPIC = "/logos-chat/1/ws/proto";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "parley-waku-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function node(options: Parameters<typeof startNode>[0]): Promise<RunningNode> {
  const n = await startNode({ heartbeatIntervalMs: 100, ...options });
  cleanups.push(() => n.stop());
  return n;
}

async function client(bootstrap: string): Promise<WakuDelivery> {
  const c = new WakuDelivery({ network: TEST_NETWORK, heartbeatIntervalMs: 100, bootstrap: [bootstrap] });
  await c.start();
  cleanups.push(() => c.stop());
  return c;
}

describe("node service on loopback", () => {
  it("listens on TCP and plain WebSocket; clients on either transport talk through it", async () => {
    const n = await node({ dataDir: tempDir(), tcpPort: 0, wsPort: 0, store: new MemoryStore() });
    const tcpAddr = n.multiaddrs.find((m) => m.includes("/tcp/") && !m.includes("/ws"))!;
    const wsAddr = n.multiaddrs.find((m) => m.includes("/ws"))!;
    expect(tcpAddr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
    expect(wsAddr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//);
    const viaTcp = await client(tcpAddr);
    const viaWs = await client(wsAddr);
    const inbox = new Inbox();
    await viaWs.subscribe(TOPIC, inbox.handler);
    expect(await viaWs.waitForPeers(TOPIC, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await n.delivery.waitForPeers(TOPIC, 2, HUNG_AFTER_MS)).toBe(true);
    const r = await viaTcp.publish(TOPIC, text("tcp → node → ws"));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    await inbox.waitFor(1);
    expect(inbox.texts()).toEqual(["tcp → node → ws"]);
    expect(viaWs.libp2p.getConnections()[0]!.remoteAddr.toString()).toContain("/ws");
  });

  it("keeps its peer key in the data dir (0600) and comes back with the same peer id; a seed gives a fixed id", async () => {
    const dataDir = tempDir();
    const first = await node({ dataDir, tcpPort: 0, wsPort: false, store: new MemoryStore() });
    const key = readFileSync(join(dataDir, PEER_KEY_FILE));
    expect(statSync(join(dataDir, PEER_KEY_FILE)).mode & 0o777).toBe(0o600);
    await first.stop();
    const second = await node({ dataDir, tcpPort: 0, wsPort: false, store: new MemoryStore() });
    expect(second.peerId).toBe(first.peerId);
    expect(readFileSync(join(dataDir, PEER_KEY_FILE))).toEqual(key);
    const seeded1 = await node({
      dataDir: tempDir(),
      tcpPort: 0,
      wsPort: false,
      peerKeySeed: "dev",
      store: new MemoryStore(),
    });
    const seeded2 = await node({
      dataDir: tempDir(),
      tcpPort: 0,
      wsPort: false,
      peerKeySeed: "dev",
      store: new MemoryStore(),
    });
    expect(seeded1.peerId).toBe(seeded2.peerId);
    expect(seeded1.peerId).not.toBe(first.peerId);
  });

  it("parses the node command line and rejects bad values", () => {
    expect(
      parseNodeArgs([
        "--data",
        "/d",
        "--port",
        "0",
        "--ws-port",
        "off",
        "--cluster",
        "7",
        "--shards",
        "1,2",
        "--peer",
        "/ip4/127.0.0.1/tcp/1/p2p/x,/ip4/127.0.0.1/tcp/2/p2p/y",
        "--retention-hours",
        "2",
        "--retention-mb",
        "10",
      ]),
    ).toMatchObject({
      dataDir: join("/d", "node"),
      tcpPort: 0,
      wsPort: false,
      clusterId: 7,
      shards: [1, 2],
      bootstrap: ["/ip4/127.0.0.1/tcp/1/p2p/x", "/ip4/127.0.0.1/tcp/2/p2p/y"],
      retention: { maxAgeMs: 7_200_000, maxBytes: 10 * 1024 * 1024 },
    });
    expect(() => parseNodeArgs([])).toThrow(/--data/);
    expect(() => parseNodeArgs(["--data", "/d", "--port", "-1"])).toThrow(/port/);
    expect(() => parseNodeArgs(["--data", "/d", "--nope"])).toThrow();
  });

  it("keeps the older option names as aliases: --data-dir is the node's own directory, --tcp-port, --bootstrap", () => {
    const old = parseNodeArgs(["--data-dir", "/n", "--tcp-port", "5", "--bootstrap", "/ip4/127.0.0.1/tcp/1/p2p/x"]);
    expect(old).toMatchObject({ dataDir: "/n", tcpPort: 5, bootstrap: ["/ip4/127.0.0.1/tcp/1/p2p/x"] });
    // `parley node --data D` keeps its state in D/node: the same names mean the same directory here.
    expect(parseNodeArgs(["--data", "/n"]).dataDir).toBe(join("/n", "node"));
    expect(() => parseNodeArgs(["--data", "/d", "--data-dir", "/n"])).toThrow(/not both/);
    expect(() => parseNodeArgs(["--data", "/d", "--port", "1", "--tcp-port", "2"])).toThrow(/not both/);
  });
});
