import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS, TEST_CAP_MS } from "@parley/test-support/patience";
import { JsonLinesChild, spawnNode } from "@parley/test-support/processes";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, startNode } from "../helpers/cli.js";

const PEER = fileURLToPath(new URL("../helpers/chat-peer.ts", import.meta.url));

afterEach(async () => {
  await killAll();
  removeTempDirs();
});

/** A chat client process (library + profile, as `parley chat` uses them) driven by JSON lines; an error event fails a wait. */
class Peer extends JsonLinesChild {
  static async start(data: string, name: string, node: string): Promise<Peer> {
    const p = new Peer(spawnNode(PEER, [data, name, node], { tsx: true }), "event", "error");
    expect((await p.next("ready")).connected).toBe(true);
    return p;
  }

  texts(): string[] {
    return this.events()
      .filter((e) => e.event === "message")
      .map((e) => String(e.text));
  }

  override async stop(): Promise<number | null> {
    this.send({ cmd: "stop" });
    await this.next("stopped");
    return super.stop("SIGTERM", HUNG_AFTER_MS);
  }
}

describe("multi-process over 127.0.0.1 TCP", () => {
  it(
    "parley node + two client processes chat; one stops, receives what was sent meanwhile from the node's history after a restart",
    async () => {
      const data = tempDir("parley-cli-mp-");
      const { node, addr } = await startNode(data);
      const alice = await Peer.start(data, "alice", addr);
      let bob = await Peer.start(data, "bob", addr);

      bob.send({ cmd: "bundle" });
      const bundle = String((await bob.next("bundle")).bundle);
      alice.send({ cmd: "start", bundle, text: "hello bob" });
      const first = await alice.next("sent");
      const conv = String(first.conversationId);
      const started = await bob.next("conversation-started");
      expect(started.initiatedBy).toBe("peer");
      await bob.next("message", (e) => e.text === "hello bob");
      bob.send({ cmd: "send", conversationId: started.conversationId, text: "hello alice" });
      await alice.next("message", (e) => e.text === "hello alice");
      await alice.seen("delivery-state", (e) => e.messageId === first.messageId && e.state === "acked");

      // Bob's process ends; Alice sends three messages (the node relays and keeps them).
      await bob.stop();
      const missed = ["one while away", "two while away", "three while away"];
      const ids: string[] = [];
      for (const text of missed) {
        alice.send({ cmd: "send", conversationId: conv, text });
        const s = await alice.next("sent");
        ids.push(String(s.messageId));
        await alice.seen("delivery-state", (e) => e.messageId === s.messageId && e.state === "sent");
      }

      // A new Bob process on the same profile fetches them from the node's Store, exactly once and in order.
      bob = await Peer.start(data, "bob", addr);
      bob.send({ cmd: "catch-up" });
      const caught = await bob.next("caught-up");
      expect(caught.readable).toBeGreaterThanOrEqual(missed.length);
      expect(bob.texts()).toEqual(missed);
      for (const id of ids) await alice.seen("delivery-state", (e) => e.messageId === id && e.state === "acked");
      // A second catch-up finds nothing new (no duplicates from replays).
      bob.send({ cmd: "catch-up" });
      expect((await bob.next("caught-up")).readable).toBe(0);
      expect(bob.texts()).toEqual(missed);

      await alice.stop();
      await bob.stop();
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
