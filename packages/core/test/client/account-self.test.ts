/**
 * AccountSelfV1 through the Client (docs/ACCOUNTS.md §3, §4): one account's devices on the in-memory network
 * with faults (drops, duplicates, reordering, delays) share the conversations each is in, read markers (which
 * converge and never move back) and, for a newly linked device, a bounded history slice stored exactly once;
 * a revoked device is removed from the group and gets nothing shared after; a crash mid-sync shares it again.
 */
import { describe, expect, it } from "vitest";
import type { ClientEvent } from "../../src/client/index.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { Store } from "../../src/framework/store.js";
import { groupMessages, groupOf, type Peer, setup } from "./group-world.js";

type World = ReturnType<typeof setup>;
type Marker = Extract<ClientEvent, { type: "read-marker" }>;

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

/** Links `device` to the account of `primary` (the list handed over as linking does, after its words). */
async function link(w: World, primary: Peer, device: Peer): Promise<void> {
  await w.connect(primary, device);
  const list = await primary.client.account.addDevice(hexBytes(device.client.installationKey), device.name);
  await device.client.account.adoptList(list);
}

/** The account's own group as `p` sees it. */
async function selfGroup(p: Peer): Promise<{ id: string; status: string } | undefined> {
  const group = await p.client.account.self.group();
  // The Client's own machinery: never listed among the conversations a user reads.
  if (group) {
    expect((await p.client.conversations()).some((c) => c.id === group.id)).toBe(false);
    expect(p.events.some((e) => e.type === "conversation-started" && e.conversationId === group.id)).toBe(false);
  }
  return group;
}

async function inSelfGroup(ps: Peer[]): Promise<boolean> {
  for (const p of ps) if ((await selfGroup(p))?.status !== "active") return false;
  const ids = await Promise.all(ps.map(async (p) => (await selfGroup(p))?.id));
  return new Set(ids).size === 1;
}

const markers = (p: Peer, cid: string) =>
  p.events.filter((e): e is Marker => e.type === "read-marker" && e.conversationId === cid);

async function allHistory(p: Peer, cid: string) {
  return (await p.client.history(cid, { limit: 1000 })).items;
}

describe("AccountSelfV1: what one account's devices share", () => {
  it("1 account × 3 devices: a conversation started on one is listed on the others; read markers converge, never back", async () => {
    const w = setup("self-1");
    const [a1, a2, a3, p] = [await w.peer("a1"), await w.peer("a2"), await w.peer("a3"), await w.peer("p")];
    await a1.client.account.create();
    await link(w, a1, a2);
    await link(w, a1, a3);
    await w.until("the three devices share one group", () => inSelfGroup([a1, a2, a3]));

    // a2 starts a conversation of its own: a1 and a3 learn of it.
    await w.connect(a2, p);
    const pairwise = a2.pairwise.get("p")!;
    await w.until("a1 and a3 list a2's conversation", async () =>
      (await Promise.all([a1, a3].map((d) => d.client.account.self.siblingConversations()))).every((l) =>
        l.some((c) => c.id === pairwise),
      ),
    );

    // A group of p with all three devices: two messages, a marker on a2 converges everywhere.
    await w.connect(p, a1);
    await w.connect(p, a3);
    const g = await groupOf(w, p, [a1, a2, a3]);
    await p.client.send(g, "m1");
    await w.run(2_000);
    await p.client.send(g, "m2");
    const idOf = (d: Peer, t: string) =>
      groupMessages(d, g).find((m) => (m.content as { text: string }).text === t)?.messageId;
    await w.until("every device holds m1 and m2", () => [a1, a2, a3].every((d) => idOf(d, "m1") && idOf(d, "m2")));
    const m2 = idOf(a2, "m2")!;
    await a2.client.markRead(g, m2);
    await w.until("the marker reaches a1 and a3", async () =>
      (await Promise.all([a1, a3].map((d) => d.client.readMarker(g)))).every((m) => m?.messageId === m2),
    );
    // An older marker, on a device that holds the newer one and on one that is told: never moves back.
    await a3.client.markRead(g, idOf(a3, "m1")!);
    await w.run(10_000);
    for (const d of [a1, a2, a3]) {
      expect((await d.client.readMarker(g))?.messageId).toBe(m2);
      const ts = markers(d, g).map((m) => m.timestamp);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
      expect(markers(d, g)).toHaveLength(1);
    }
    await expect(a1.client.markRead(g, "no-such-message")).rejects.toMatchObject({ code: "unknown-message" });

    // The account's display name: set on one device, the newest on all.
    await a3.client.account.self.setDisplayName("Ada");
    await w.run(2_000);
    await a1.client.account.self.setDisplayName("Ada L.");
    await w.until("the newest name everywhere", async () =>
      (await Promise.all([a1, a2, a3].map((d) => d.client.account.self.displayName()))).every((n) => n === "Ada L."),
    );
    await w.run(10_000);
    for (const d of [a1, a2, a3]) expect(await d.client.account.self.displayName()).toBe("Ada L.");
  });

  it("a newly linked device receives the conversation list and the history slice (bounded) exactly once", async () => {
    const w = setup("self-2");
    const a1 = await w.peer("a1", new MemoryStore(), { linkHistoryMessages: 4 });
    const [a2, p] = [await w.peer("a2"), await w.peer("p")];
    await a1.client.account.create();
    await w.connect(a1, p);
    const cid = a1.pairwise.get("p")!;
    for (const t of ["one", "two", "three"]) await p.client.send(p.pairwise.get("a1")!, t);
    for (const t of ["four", "five"]) await a1.client.send(cid, t);
    await w.until("a1 holds p's messages", async () => (await allHistory(a1, cid)).length >= 6);
    await w.run(5_000);

    await link(w, a1, a2);
    await w.until("a2 holds the slice", async () => (await allHistory(a2, cid)).length >= 4);
    await w.run(20_000);
    const items = await allHistory(a2, cid);
    // The last four of a1's history (in the order a1 stored it), each once, marked synced.
    const last = (await allHistory(a1, cid)).slice(-4);
    expect(items.map((i) => i.messageId)).toEqual(last.map((i) => i.messageId));
    expect(items.every((i) => i.synced === true && i.direction === "in")).toBe(true);
    for (const i of items)
      expect(i.sender).toBe(last.find((l) => l.messageId === i.messageId)?.sender ?? a1.client.installationKey);
    expect((await a2.client.account.self.siblingConversations()).map((c) => c.id)).toContain(cid);

    // Sent again (a1 forgets it sent it, as after a lost commit): still each message once on a2.
    await a1.store.commit([{ op: "delete", ns: "client.account", key: `slice/${a2.client.installationKey}` }]);
    await w.stop(a1);
    await w.reopen(a1);
    await w.run(20_000);
    expect(await a1.store.get("client.account", `slice/${a2.client.installationKey}`)).toBeDefined();
    expect((await allHistory(a2, cid)).map((i) => i.messageId)).toEqual(items.map((i) => i.messageId));
  });

  it("bytes that are not a payload are refused and write nothing; a revoked device is removed and gets nothing shared after", async () => {
    const w = setup("self-3");
    const [a1, a2, a3, p] = [await w.peer("a1"), await w.peer("a2"), await w.peer("a3"), await w.peer("p")];
    await a1.client.account.create();
    await link(w, a1, a2);
    await link(w, a1, a3);
    await w.until("the three devices share one group", () => inSelfGroup([a1, a2, a3]));
    // Bytes that are not a SelfPayload (a text through the generic send): an error event, nothing written.
    await w.run(5_000);
    const before = await a1.store.scan("client.account");
    await a2.client.send((await selfGroup(a2))!.id, "not a payload");
    const refused = (d: Peer) => d.events.some((e) => e.type === "error" && e.error.code.startsWith("self-payload-"));
    await w.until("a1 and a3 refuse it", () => refused(a1) && refused(a3));
    expect(await a1.store.scan("client.account")).toEqual(before);
    expect((await a2.client.history((await selfGroup(a2))!.id)).items).toEqual([]);

    await a1.client.account.removeDevice(hexBytes(a3.client.installationKey));
    await w.until("a3 is removed", async () => (await selfGroup(a3))?.status === "removed");

    await w.connect(a2, p);
    const pairwise = a2.pairwise.get("p")!;
    await w.until("a1 lists a2's new conversation", async () =>
      (await a1.client.account.self.siblingConversations()).some((c) => c.id === pairwise),
    );
    await w.run(10_000);
    expect((await a3.client.account.self.siblingConversations()).map((c) => c.id)).not.toContain(pairwise);
  });

  it("a failed commit while sharing (the slice's) shares it at a later sweep, once, and not again after a restart", async () => {
    const w = setup("self-4");
    const store = new MemoryStore();
    let crashes = 1;
    const crashing: Store = {
      get: (ns, key) => store.get(ns, key),
      scan: (ns, o) => store.scan(ns, o),
      close: () => store.close(),
      commit: async (ops) => {
        if (crashes > 0 && ops.some((op) => op.ns === "client.account" && op.key.startsWith("slice/"))) {
          crashes--;
          throw new Error("power cut");
        }
        await store.commit(ops);
      },
    };
    const a1 = await w.peer("a1", crashing);
    const [a2, p] = [await w.peer("a2"), await w.peer("p")];
    await a1.client.account.create();
    await w.connect(a1, p);
    const cid = a1.pairwise.get("p")!;
    await p.client.send(p.pairwise.get("a1")!, "before the link");
    await w.until("a1 holds it", async () => (await allHistory(a1, cid)).length >= 2);
    await link(w, a1, a2);
    await w.until("the slice's commit failed", () => crashes === 0);
    // A later sweep shares it (nothing else changed on a1 meanwhile), and a restart does not share it again.
    await w.until("a2 holds the slice", async () => (await allHistory(a2, cid)).length >= 2);
    await w.stop(a1);
    await w.reopen(a1);
    await w.run(20_000);
    const texts = (await allHistory(a2, cid)).map((i) => (i.content as { text: string }).text);
    expect(texts.sort()).toEqual(["before the link", "hi p"]);
    // The one failed sweep is reported, once.
    expect(a1.events.filter((e) => e.type === "error")).toHaveLength(1);
  });
});
