/**
 * A device that fell behind in an AccountDirectV1 conversation while the topic's history is unavailable is
 * re-welcomed (docs/GROUPS.md §3, "Who is asked"): its first request goes to the lowest-index member, the other
 * account's device it has no pairwise conversation with, and is lost; the next one asks its own sibling.
 */
import { describe, expect, it } from "vitest";
import type { HistoryQuery } from "../../src/framework/delivery.js";
import { accountConverged, groupMessages, linkDevice, type Peer, seesAccountRoster, setup } from "./group-world.js";

describe("Client accounts: re-welcome when history cannot fill a gap", () => {
  it("a device behind asks the next member when the lowest-index one cannot be reached, then reads on", async () => {
    const w = setup("account-rewelcome-1");
    const [a1, b1, b2, a2] = [await w.peer("a1"), await w.peer("b1"), await w.peer("b2"), await w.peer("a2")];
    await a1.client.account.create();
    await b1.client.account.create();
    await linkDevice(w, b1, b2);
    await w.connect(a1, b1);
    const { conversationId: ad } = await a1.client.account.startConversation(await b1.client.account.address());
    await w.until("every device sees every device", () => seesAccountRoster([a1, b1, b2], ad));

    // The Store is down and b2 hears nothing: a2 joins account a, and the conversation adds it without b2.
    const history = w.bus.history.bind(w.bus);
    let storeUp = false;
    w.bus.history = (q: HistoryQuery) => (storeUp ? history(q) : (async function* () {})());
    for (const from of ["a1", "b1", "a2"]) w.bus.setLinkFaults(from, "b2", { drop: 1 });
    await linkDevice(w, a1, a2);
    await w.until("a2 joins without b2", () => seesAccountRoster([a1, b1, a2], ad, [a1, b1, b2, a2]));
    for (const from of ["a1", "b1", "a2"]) w.bus.setLinkFaults(from, "b2", undefined);

    // b2 sees messages of an epoch above its head; history has nothing. It asks a1 (leaf 0), with which it has
    // no pairwise conversation, then b1, which re-adds it. a1 keeps talking, as a group does.
    let n = 0;
    await w.until(
      "b2 is re-welcomed",
      async () => {
        if (w.clock.now() % 30_000 < 500) await a1.client.send(ad, `during ${n++}`);
        return seesAccountRoster([b2], ad, [a1, b1, b2, a2]);
      },
      400_000,
    );
    // Only a Welcome can have told b2 of a2: it heard neither the commit nor the Store. The Store comes back,
    // so the drops of the rest of the test heal as usual.
    storeUp = true;
    await w.until("the conversation converges", () => accountConverged([a1, b1, b2, a2], ad));
    expect(b2.events.filter((e) => e.type === "error")).toEqual([]);

    const all = [a1, b1, b2, a2];
    for (const d of all) await d.client.send(ad, `after ${d.name}`);
    const want = (d: Peer) => all.filter((o) => o !== d).map((o) => `after ${o.name}`);
    const read = (d: Peer) => groupMessages(d, ad).map((m) => (m.content as { text: string }).text);
    await w.until("every device reads every other", () => all.every((d) => want(d).every((t) => read(d).includes(t))));
    await w.run(10_000);
    // Exactly once each (what a1 said during the gap may be read too, once b2 is back on the head).
    const got = groupMessages(b2, ad);
    expect(new Set(got.map((m) => m.messageId)).size).toBe(got.length);
    expect(
      read(b2)
        .filter((t) => t.startsWith("after"))
        .sort(),
    ).toEqual(want(b2).sort());
  });
});
