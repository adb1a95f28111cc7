/**
 * GroupV1 over the framework's simulator: MemoryDelivery with drops, duplicates, reordering and delays on a
 * VirtualClock, MemoryStore per member, pairwise control frames through a lossless in-test channel (standing
 * in for PrivateV1, which has its own reliability).
 */
import { toHex } from "@parley/core";
import { type GroupEffect, GroupV1Engine, GroupV1Service, Transaction } from "@parley/core/internals";
import { MemoryDelivery, MemoryStore, VirtualClock } from "@parley/core/testing";
import { describe, expect, it } from "vitest";
import { crypto } from "./harness.js";

interface Node {
  name: string;
  identity: string;
  service: GroupV1Service;
  store: MemoryStore;
  messages: { id: string; sender: string; text: string }[];
}

async function setup(names: string[], seed: number) {
  const clock = new VirtualClock();
  const bus = new MemoryDelivery({
    clock,
    crypto,
    seed,
    faults: { drop: 0.15, duplicate: 0.1, reorder: 0.2, reorderWindow: 200, delay: { min: 5, max: 50 } },
  });
  const nodes = new Map<string, Node>();
  for (const name of names) {
    const keys = crypto.x25519GenerateKeyPair();
    const store = new MemoryStore();
    const engine = await GroupV1Engine.create({
      crypto,
      identity: keys,
      clock,
      recoveryIntervalMs: 2_000,
      rewelcomeAfterMs: 20_000,
    });
    const node: Node = { name, identity: toHex(keys.publicKey), store, messages: [], service: undefined as never };
    node.service = new GroupV1Service(
      engine,
      store,
      bus.endpoint(name),
      {
        async send(to, frame) {
          const peer = [...nodes.values()].find((n) => n.identity === to);
          // Pairwise delivery takes a little virtual time, like any message.
          if (peer) clock.setTimer(20, () => void peer.service.onControl(node.identity, frame));
        },
      },
      (e: GroupEffect) => {
        if (e.kind === "message")
          node.messages.push({ id: e.messageId, sender: e.sender, text: new TextDecoder().decode(e.content) });
      },
    );
    nodes.set(name, node);
  }
  const settle = async (rounds = 40) => {
    for (let i = 0; i < rounds; i++) {
      await clock.runUntilIdleAsync();
      await Promise.all([...nodes.values()].map((n) => n.service.idle()));
      if (clock.pending === 0 && i > 2) {
        // Let timers of the engines (recovery) act, then continue.
        clock.advance(2_500);
        for (const n of nodes.values()) await n.service.tick();
        await Promise.all([...nodes.values()].map((n) => n.service.idle()));
        if (clock.pending === 0) break;
      }
    }
  };
  const restart = async () => {
    for (const n of nodes.values()) {
      n.service.stop();
      const engine = await GroupV1Engine.create({
        crypto,
        identity: n.service.engine.options.identity,
        clock,
        recoveryIntervalMs: 2_000,
        rewelcomeAfterMs: 20_000,
      });
      n.service = new GroupV1Service(engine, n.store, bus.endpoint(n.name), n.service.pairwise, n.service.onEvent);
    }
    for (const n of nodes.values()) await n.service.start();
  };
  return { clock, bus, nodes, settle, restart };
}

async function view(n: Node, cid: string) {
  const tx = new Transaction(n.store);
  const s = await n.service.engine.summary(tx, cid);
  const members = (await n.service.engine.members(tx, cid)).map((m) => m.identity).sort();
  return { status: s.status, epochId: s.epochId, members, name: s.name };
}

describe("GroupV1 on MemoryDelivery with faults", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`invites by key-package request, concurrent changes and lossy delivery converge (seed ${seed})`, async () => {
      const { nodes, settle } = await setup(["a", "b", "c", "d", "e", "f"], seed);
      const [a, b, c, d, e, f] = ["a", "b", "c", "d", "e", "f"].map((n) => nodes.get(n)!);
      const { conversationId: cid } = await a!.service.step(
        (tx) => a!.service.engine.createGroup(tx, { name: "sim", invite: [b!.identity, c!.identity, d!.identity] }),
        (r) => r.effects,
      );
      await settle();
      // Created in ONE commit once the three key packages arrived.
      expect((await view(a!, cid)).members).toHaveLength(4);
      expect((await a!.service.engine.summary(new Transaction(a!.store), cid)).epoch).toBe(1n);
      // Concurrent: b invites e, c removes d, a renames, d invites f.
      await Promise.all([
        b!.service.step((tx) => b!.service.engine.invite(tx, cid, [e!.identity])),
        c!.service.step((tx) => c!.service.engine.removeMembers(tx, cid, [d!.identity])),
        a!.service.step((tx) => a!.service.engine.setMetadata(tx, cid, { name: "renamed", description: "" })),
        d!.service.step((tx) => d!.service.engine.invite(tx, cid, [f!.identity])),
      ]);
      await settle();
      // Messages under loss: every current member gets each exactly once, d never. Messages also reveal to a
      // member that dropped the last commit that it is behind (it then fetches history).
      const roster = (await view(a!, cid)).members;
      const members = [a!, b!, c!, e!, f!].filter((m) => roster.includes(m.identity));
      for (const m of members)
        await m.service.step(
          (tx) => m.service.engine.send(tx, cid, new TextEncoder().encode(`from ${m.name}`)),
          (r) => r.effects,
        );
      await settle();
      for (const m of members) {
        const got = m.messages.filter((x) => x.text.startsWith("from ")).map((x) => x.text);
        expect(got.sort()).toEqual(
          members
            .filter((o) => o !== m)
            .map((o) => `from ${o.name}`)
            .sort(),
        );
      }
      expect(d!.messages.filter((x) => x.text.startsWith("from "))).toEqual([]);
      const views = await Promise.all(members.map((m) => view(m, cid)));
      for (const v of views) expect(v).toEqual(views[0]);
      expect(views[0]!.members).toContain(e!.identity);
      expect(views[0]!.members).not.toContain(d!.identity);
      expect(views[0]!.name).toBe("renamed");
      expect((await view(d!, cid)).status).toBe("removed");
    }, 120_000);
  }

  it("every member restarts (new engine and service over its store) and the group continues", async () => {
    const { nodes, settle, restart } = await setup(["a", "b", "c"], 9);
    const [a, b, c] = ["a", "b", "c"].map((n) => nodes.get(n)!);
    const { conversationId: cid } = await a!.service.step(
      (tx) => a!.service.engine.createGroup(tx, { invite: [b!.identity, c!.identity] }),
      (r) => r.effects,
    );
    await settle();
    const say = (n: Node, text: string) =>
      n.service.step(
        (tx) => n.service.engine.send(tx, cid, new TextEncoder().encode(text)),
        (r) => r.effects,
      );
    await say(b!, "before");
    await settle();
    await restart();
    await settle();
    await say(c!, "after");
    await a!.service.step((tx) => a!.service.engine.setMetadata(tx, cid, { name: "post-restart", description: "" }));
    await settle();
    for (const n of [a!, b!]) expect(n.messages.filter((m) => m.text === "after")).toHaveLength(1);
    for (const n of [a!, c!]) expect(n.messages.filter((m) => m.text === "before")).toHaveLength(1);
    const views = await Promise.all([a!, b!, c!].map((n) => view(n, cid)));
    for (const v of views) expect(v).toEqual(views[0]);
    expect(views[0]!.name).toBe("post-restart");
  }, 60_000);
});
