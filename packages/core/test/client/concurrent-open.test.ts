/**
 * Issue #11, "concurrent openings": two clients start a 1:1 conversation with each other at the same moment
 * (both send an invite, each with a first message) over a bus that drops, duplicates and reorders. Today's
 * Client keeps both conversations (one each of us started), and both must work: every message sent on either
 * reaches the peer exactly once, on the conversation it was sent on, in order, and ends `acked`. Group control
 * frames pick one of the two (`#pairwiseWith`: the one the peer started, whose invite reached us); a group made
 * right after the concurrent opening must form.
 */
import { describe, expect, it } from "vitest";
import type { ClientEvent } from "../../src/client/index.js";
import { SeededPrng } from "../../src/framework/prng.js";
import { deliveries, type Peer, setup } from "./group-world.js";

const SEEDS = Number(process.env.PARLEY_CONCURRENT_OPEN_SEEDS ?? 6);
const PER_SIDE = 12;

type Started = Extract<ClientEvent, { type: "conversation-started" }>;
const started = (p: Peer) => p.events.filter((e): e is Started => e.type === "conversation-started");
const messages = (p: Peer, cid?: string) =>
  p.events.flatMap((e) =>
    e.type === "message" && (cid === undefined || e.conversationId === cid)
      ? [(e.content as { text: string }).text]
      : [],
  );

async function concurrentOpening(seed: number): Promise<void> {
  const w = setup(`concurrent-open-${seed}`, {
    drop: 0.3,
    duplicate: 0.2,
    reorder: 0.3,
    reorderWindow: 1_000,
    delay: { min: 0, max: 300 },
  });
  const alice = await w.peer("alice");
  const bob = await w.peer("bob");
  const prng = new SeededPrng(seed);
  const [aliceBundle, bobBundle] = [await alice.client.introBundle(), await bob.client.introBundle()];
  // The same moment: neither has seen the other's invite.
  const [a, b] = await Promise.all([
    alice.client.startConversation(bobBundle, "a-hello"),
    bob.client.startConversation(aliceBundle, "b-hello"),
  ]);
  const sent = { alice: new Map([[a.conversationId, ["a-hello"]]]), bob: new Map([[b.conversationId, ["b-hello"]]]) };
  const ids = { alice: [[a.conversationId, a.messageId]], bob: [[b.conversationId, b.messageId]] };
  for (let i = 0; i < 200 && (started(alice).length < 2 || started(bob).length < 2); i++) await w.run(1_000);
  // Each side holds two conversations with the other: the one it started and the one the peer started.
  expect(
    started(alice)
      .map((e) => e.initiatedBy)
      .sort(),
  ).toEqual(["me", "peer"]);
  expect(
    started(bob)
      .map((e) => e.initiatedBy)
      .sort(),
  ).toEqual(["me", "peer"]);
  const peerStarted = (p: Peer) => started(p).find((e) => e.initiatedBy === "peer")!.conversationId;
  const convs = {
    alice: [a.conversationId, peerStarted(alice)],
    bob: [b.conversationId, peerStarted(bob)],
  };
  // Both sides then talk on either conversation, at random.
  for (let i = 0; i < PER_SIDE; i++) {
    for (const [who, p] of [
      ["alice", alice],
      ["bob", bob],
    ] as const) {
      const cid = convs[who][prng.int(0, 1)]!;
      const text = `${who[0]}${i}`;
      const { messageId } = await p.client.send(cid, text);
      sent[who].set(cid, [...(sent[who].get(cid) ?? []), text]);
      ids[who].push([cid, messageId]);
    }
    await w.run(prng.int(0, 3) * 250);
  }
  const acked = async () => {
    for (const [who, p] of [
      ["alice", alice],
      ["bob", bob],
    ] as const)
      for (const [cid, id] of ids[who]) if ((await p.client.deliveryState(cid!, id!)) !== "acked") return false;
    return true;
  };
  for (let i = 0; i < 600 && !(await acked()); i++) await w.run(1_000);
  expect(await acked()).toBe(true);

  // Exactly once and in order, on the conversation each was sent on: alice's conversation X is bob's "peer" one.
  const counterpart = (mine: string, from: Peer, to: Peer) => {
    const peerKey = from.client.installationKey;
    const theirs = started(to).filter((e) => e.peer === peerKey);
    return mine === started(from).find((e) => e.initiatedBy === "me")!.conversationId
      ? theirs.find((e) => e.initiatedBy === "peer")!.conversationId
      : theirs.find((e) => e.initiatedBy === "me")!.conversationId;
  };
  for (const [cid, texts] of sent.alice) expect(messages(bob, counterpart(cid, alice, bob))).toEqual(texts);
  for (const [cid, texts] of sent.bob) expect(messages(alice, counterpart(cid, bob, alice))).toEqual(texts);
  expect(messages(alice).length).toBe(PER_SIDE + 1);
  expect(messages(bob).length).toBe(PER_SIDE + 1);
  for (const [, id] of ids.alice) expect(deliveries(alice, id!).at(-1)?.state).toBe("acked");
  for (const p of [alice, bob]) expect(p.events.filter((e) => e.type === "error")).toEqual([]);

  // Group control frames travel on one of the two: a group of the two forms.
  const { conversationId: gid } = await alice.client.createGroup({ name: "g", members: [bob.client.installationKey] });
  const formed = async () =>
    (await bob.client.conversations()).some((c) => c.id === gid && c.status === "active") &&
    (await alice.client.groupMembers(gid)).every((m) => m.state === "member");
  for (let i = 0; i < 300 && !(await formed()); i++) await w.run(1_000);
  expect(await formed()).toBe(true);
  await alice.client.close();
  await bob.client.close();
}

describe("concurrent openings: both start a 1:1 conversation with each other at the same moment", () => {
  for (let seed = 1; seed <= SEEDS; seed++)
    it(
      `two conversations, both working: exactly once, in order, all acked (seed ${seed})`,
      () => concurrentOpening(seed),
      120_000,
    );
});
