/**
 * Regression test for a packages/waku bug the client crash test found: a service node stopped relaying to
 * every client on an IP address once more than 10 peer ids had connected from that address within an hour,
 * even after they left.
 *
 * Why: gossipsub's default peer scoring has a P6 "IP colocation" term, -5 × surplus² for every peer on an
 * address shared by more than 10 peer ids, and it retains a disconnected peer whose score is not positive (a
 * fresh peer's score is 0) with its IP for an hour. WakuDelivery starts with a new random peer id unless
 * given a key (the CLI's chat client gives none), so each client restart added a retained peer on its
 * address: from the 11th, the node scored every client there negative and pruned it from its mesh (no live
 * relay), from the 14th it graylisted them (their messages ignored). Store history still worked, hiding it.
 * Fix: packages/waku/src/relay.ts sets `IPColocationFactorWeight: 0`. (Belongs in packages/waku/test/relay.)
 */

import { MemoryStore } from "@parley/core/testing";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { MessageArchive, WakuDelivery } from "@parley/waku";
import { afterEach, describe, expect, it } from "vitest";

const NETWORK = { clusterId: 42, numShardsInCluster: 8 } as const;
const TOPIC = "/logos-chat/1/reconnects/proto";

const started: WakuDelivery[] = [];
afterEach(async () => {
  for (const d of started.splice(0).reverse()) await d.stop();
});

async function node(options: ConstructorParameters<typeof WakuDelivery>[0]): Promise<WakuDelivery> {
  const d = new WakuDelivery({ network: NETWORK, heartbeatIntervalMs: 100, publishTimeoutMs: 5_000, ...options });
  await d.start();
  started.push(d);
  return d;
}

/**
 * Publishes from `from` (again every second, as an application's resend would) until `to` receives one of the
 * messages; false if none arrives before HUNG_AFTER_MS. A node that has pruned the clients never relays, so a
 * generous cap does not weaken the check.
 */
async function relays(from: WakuDelivery, to: WakuDelivery, label: string): Promise<boolean> {
  let got = false;
  let wake = () => {};
  const off = await to.subscribe(TOPIC, (m) => {
    if (new TextDecoder().decode(m.payload).startsWith(label)) {
      got = true;
      wake();
    }
  });
  try {
    const deadline = Date.now() + HUNG_AFTER_MS;
    for (let i = 0; !got && Date.now() < deadline; i++) {
      await from.publish(TOPIC, new TextEncoder().encode(`${label} ${i}`));
      if (got) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1_000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return got;
  } finally {
    off();
  }
}

describe("Waku relay through a service node on 127.0.0.1", () => {
  it("keeps relaying between two clients after 12 short-lived clients (fresh peer ids) connected and left", async () => {
    const hub = await node({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      archive: new MessageArchive(new MemoryStore()),
    });
    const address = hub.multiaddrs()[0]!.toString();
    const bob = await node({ bootstrap: [address] });
    const alice = await node({ bootstrap: [address] });
    for (const n of [alice, bob]) expect(await n.waitForPeers(TOPIC, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await relays(alice, bob, "before")).toBe(true);

    // Clients come and go, as a chat client restarted a dozen times in an hour does.
    for (let i = 0; i < 12; i++) {
      const c = await node({ bootstrap: [address] });
      expect(await c.waitForPeers(TOPIC, 1, HUNG_AFTER_MS)).toBe(true);
      await c.stop();
      started.pop();
    }
    expect(await relays(alice, bob, "after")).toBe(true);
  }, 600_000);
});
