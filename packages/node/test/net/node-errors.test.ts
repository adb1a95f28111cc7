/**
 * A node's data directory has one node at a time, and a node that cannot start says why with a typed error:
 * a second node on the same directory (locked, naming the first, touching none of its files), a peer address
 * that is not a dialable multiaddr, a port already in use, a host that is not an IPv4 address.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore } from "@parley/core/testing";
import { StoreLockedError } from "@parley/sqlite";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { PEER_KEY_FILE, parsePeerAddress, WakuDelivery, WakuError } from "@parley/waku";
import { afterEach, describe, expect, it } from "vitest";
import { startNode } from "../../src/index.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "parley-waku-errors-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e,
  );
}

/**
 * Every file of a directory with its inode, size and mtime, to show that a refused node changed nothing. Only
 * stat: reading a file that this process holds locked would drop the lock (see @parley/sqlite's lock.ts).
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) {
    const st = statSync(join(dir, f));
    out[f] = `${st.ino}:${st.size}:${st.mtimeMs}`;
  }
  return out;
}

describe("one node per data directory", () => {
  it.each([
    ["the SQLite archive", false],
    ["a store of the caller's", true],
  ] as const)(
    "with %s: a second node is refused with locked and touches nothing; the first keeps running",
    async (_, own) => {
      const dataDir = tempDir();
      const store = () => (own ? { store: new MemoryStore() } : {});
      const first = await startNode({ dataDir, tcpPort: 0, wsPort: false, holder: "first node", ...store() });
      cleanups.push(() => first.stop());
      const before = snapshot(dataDir);
      const err = await rejection(startNode({ dataDir, tcpPort: 0, wsPort: false, ...store() }));
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as StoreLockedError).code).toBe("locked");
      expect((err as Error).message).toContain(`node data directory ${dataDir}`);
      expect((err as Error).message).toContain("first node");
      expect(snapshot(dataDir)).toEqual(before);
      // The first still serves: a client reaches it and it archives what it relays.
      const c = new WakuDelivery({ heartbeatIntervalMs: 100, bootstrap: [first.multiaddrs[0]!] });
      await c.start();
      cleanups.push(() => c.stop());
      expect(await c.waitForPeers("/logos-chat/1/lock/proto", 1, HUNG_AFTER_MS)).toBe(true);
      expect((await c.publish("/logos-chat/1/lock/proto", new Uint8Array([1]))).ok).toBe(true);
      await first.stop();
      const again = await startNode({ dataDir, tcpPort: 0, wsPort: false, ...store() });
      expect(again.peerId).toBe(first.peerId);
      expect(readFileSync(join(dataDir, PEER_KEY_FILE)).length).toBeGreaterThan(0);
      await again.stop();
    },
  );
});

describe("typed start-up errors", () => {
  it("peer addresses: what is wrong is said, before anything starts", () => {
    const cases: [string, RegExp][] = [
      ["127.0.0.1:60000", /not a multiaddr \(it must start with \/\)/],
      ["ws://127.0.0.1:60001", /not a multiaddr/],
      ["", /not a multiaddr/],
      ["/ip4/999.0.0.1/tcp/1", /not a valid multiaddr/],
      ["/ip4/127.0.0.1/tcp/70000", /not a valid multiaddr/],
      ["/ip4/127.0.0.1/udp/1", /names no TCP port/],
      ["/ip4/127.0.0.1/tcp/1/p2p/notapeerid", /not a peer id/],
    ];
    for (const [addr, why] of cases) {
      let caught: unknown;
      try {
        parsePeerAddress(addr);
      } catch (e) {
        caught = e;
      }
      expect(caught, addr).toBeInstanceOf(WakuError);
      expect((caught as WakuError).code).toBe("invalid-address");
      expect((caught as Error).message, addr).toMatch(why);
      expect(() => new WakuDelivery({ bootstrap: [addr] }), addr).toThrow(WakuError);
    }
    for (const ok of ["/ip4/127.0.0.1/tcp/60000", "/dns4/localhost/tcp/60001/ws", "/memory/x"]) parsePeerAddress(ok);
  });

  it("a port in use fails with listen-failed naming it; the data directory is free again", async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const dataDir = tempDir();
    const err = await rejection(startNode({ dataDir, tcpPort: port, wsPort: false, store: new MemoryStore() }));
    expect(err).toBeInstanceOf(WakuError);
    expect((err as WakuError).code).toBe("listen-failed");
    expect((err as Error).message).toContain(`127.0.0.1:${port} is already in use`);
    const n = await startNode({ dataDir, tcpPort: 0, wsPort: false, store: new MemoryStore() });
    await n.stop();
  });

  it("a host that is not an IPv4 address fails with invalid-config", async () => {
    const err = await rejection(startNode({ dataDir: tempDir(), host: "999.1.1.1", store: new MemoryStore() }));
    expect(err).toMatchObject({ code: "invalid-config" });
    expect((err as Error).message).toContain("999.1.1.1");
  });
});
