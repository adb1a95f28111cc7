import { TEST_CAP_MS } from "@parley/test-support/patience";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, JsonLinesProcess, killAll, NodeProcess, PEER_MAIN, type PeerEvent } from "../helpers/processes.js";

const ALICE = "/logos-chat/1/alice/proto";
const BOB = "/logos-chat/1/bob/proto";
/** Probes travel here, so the node's archive of the inbox topics holds only the test's messages. */
const PROBE = "/logos-chat/1/probe/proto";
const PROBES = 40;
const PROBE_WAIT_MS = 3_000;

afterEach(async () => {
  await killAll();
  removeTempDirs();
});

async function client(node: NodeProcess, inbox: string): Promise<JsonLinesProcess> {
  const p = JsonLinesProcess.start(PEER_MAIN, [node.tcp]);
  await p.next("ready");
  await p.call({ cmd: "subscribe", topic: inbox }, "subscribed");
  const mesh = await p.call({ cmd: "wait-mesh", topic: inbox }, "mesh");
  expect(mesh.ok).toBe(true);
  return p;
}

/**
 * A client's own mesh says nothing of the node's: until the node has taken in the receiver's subscription, it
 * relays nothing to it (relay promises no delivery; the Store and resends cover that). Probes go out until
 * one arrives, so the live legs below start once the relay path exists; bounded by a count of probes.
 */
async function relayReady(from: JsonLinesProcess, to: JsonLinesProcess): Promise<void> {
  await to.call({ cmd: "subscribe", topic: PROBE }, "subscribed");
  for (let i = 0; i < PROBES; i++) {
    await from.call({ cmd: "publish", topic: PROBE, text: `probe ${i}` }, "published");
    try {
      await to.next("message", (e) => e.topic === PROBE, PROBE_WAIT_MS);
      return;
    } catch {
      // not yet: the next probe (an earlier one arriving late is accepted as well)
    }
  }
  throw new Error(`no probe reached the receiver after ${PROBES} probes`);
}

const published = (e: PeerEvent) => e.result as { ok: boolean; hash?: string; error?: string };

describe("multi-process over 127.0.0.1 TCP", () => {
  it(
    "node + two clients: live both ways; a stopped client catches up from the node's Store; the node keeps its address and history across a restart",
    async () => {
      const dataDir = tempDir("parley-node-");
      const port = await freePort();
      const args = ["--data", dataDir, "--port", String(port), "--ws-port", "0"];
      let node = await NodeProcess.start(args);
      expect(node.tcp).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/${port}/p2p/12D3Koo`));
      expect(node.multiaddrs.length + node.lines.length).toBeGreaterThan(0);

      const alice = await client(node, ALICE);
      let bob = await client(node, BOB);
      await relayReady(alice, bob);
      await relayReady(bob, alice);

      // Live, both ways.
      const r1 = published(await alice.call({ cmd: "publish", topic: BOB, text: "hi bob" }, "published"));
      expect(r1.ok, JSON.stringify(r1)).toBe(true);
      const got1 = await bob.next("message", (e) => e.topic === BOB);
      expect(got1).toMatchObject({ topic: BOB, text: "hi bob", hash: r1.hash });
      const r2 = published(await bob.call({ cmd: "publish", topic: ALICE, text: "hi alice" }, "published"));
      expect(r2.ok).toBe(true);
      expect(await alice.next("message", (e) => e.topic === ALICE)).toMatchObject({
        topic: ALICE,
        text: "hi alice",
        hash: r2.hash,
      });

      // Bob goes offline; Alice keeps writing (the node relays and archives).
      bob.send({ cmd: "stop" });
      await bob.next("stopped");
      await bob.stop();
      const missed: string[] = [];
      for (const text of ["while you were away 1", "while you were away 2", "while you were away 3"]) {
        const r = published(await alice.call({ cmd: "publish", topic: BOB, text }, "published"));
        expect(r.ok, JSON.stringify(r)).toBe(true);
        missed.push(r.hash!);
      }

      // Bob comes back and fetches what he missed from the node's Store.
      bob = await client(node, BOB);
      const h = await bob.call({ cmd: "history", topics: [BOB] }, "history");
      const history = h.messages as { text: string; hash: string; topic: string }[];
      expect(history.map((m) => m.text)).toEqual([
        "hi bob",
        "while you were away 1",
        "while you were away 2",
        "while you were away 3",
      ]);
      expect(history.slice(1).map((m) => m.hash)).toEqual(missed);

      // The node restarts on the same data dir: same peer id and address, history still there (SQLite).
      const before = node.tcp;
      expect(await node.stop()).toBe(0);
      expect(node.lines).toContain("stopped");
      node = await NodeProcess.start(args);
      expect(node.tcp).toBe(before);
      const again = await bob.call({ cmd: "history", topics: [BOB, ALICE] }, "history");
      expect((again.messages as { text: string }[]).map((m) => m.text)).toEqual([
        "hi bob",
        "hi alice",
        "while you were away 1",
        "while you were away 2",
        "while you were away 3",
      ]);
      // And live relay resumes through the restarted node (static peers redial).
      const mesh = await alice.call({ cmd: "wait-mesh", topic: BOB }, "mesh");
      expect(mesh.ok).toBe(true);
      await relayReady(alice, bob);
      const r3 = published(await alice.call({ cmd: "publish", topic: BOB, text: "after restart" }, "published"));
      expect(r3.ok, JSON.stringify(r3)).toBe(true);
      expect(await bob.next("message", (e) => e.text === "after restart")).toMatchObject({ hash: r3.hash });

      for (const p of [alice, bob]) {
        p.send({ cmd: "stop" });
        await p.next("stopped");
      }
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
