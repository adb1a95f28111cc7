/**
 * Linking a device over the network (docs/ACCOUNTS.md §4) through Clients on the in-memory network with faults:
 * the new device's link code, the primary's link conversation, the same six words on both screens, and only
 * after the primary's confirmation the next list, adopted by the new device in one commit; cancel writes no
 * list; a swapped code shows other words; a restart of the new device mid-link; forged offers refused.
 */
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/base/bytes.js";
import { ACCOUNT_KEY, ACCOUNT_NS } from "../../src/client/account-state.js";
import { LINK_PAYLOAD_PREFIX, LINK_PENDING_KEY } from "../../src/client/link.js";
import { expectExactly, groupMessages, type Peer, setup } from "./group-world.js";

type World = ReturnType<typeof setup>;

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

/** The conversation `from` started with `p`, once `p` has heard of it. */
async function startedBy(w: World, p: Peer, from: Peer): Promise<string> {
  const key = from.client.installationKey;
  const find = () => p.events.find((e) => e.type === "conversation-started" && e.peer === key);
  await w.until(`${p.name} hears from ${from.name}`, () => find() !== undefined);
  return (find() as { conversationId: string }).conversationId;
}

async function version(p: Peer): Promise<bigint | undefined> {
  return (await p.client.account.info())?.version;
}

function errors(p: Peer): string[] {
  return p.events.flatMap((e) => (e.type === "error" ? [e.error.code] : []));
}

async function active(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.conversations()).some((c) => c.id === cid && c.status === "active");
}

describe("Client accounts: linking a device with confirmation words", () => {
  it("links a second device: the same words on both, the list after confirm, then a peer account's messages exactly once", async () => {
    const w = setup("link-1");
    const [b1, b2, a1] = [await w.peer("b1"), await w.peer("b2"), await w.peer("a1")];
    await b1.client.account.create();
    const code = await b2.client.account.linkCode();
    expect(code.startsWith("parley_link_1_")).toBe(true);
    const link = await b1.client.account.beginLink(code);
    expect(link.words).toHaveLength(6);
    expect(link.device).toBe(b2.client.installationKey);
    const cid = await startedBy(w, b2, b1);
    expect(await b2.client.account.linkWords(cid)).toEqual(link.words);

    // Nothing is sent before the confirmation.
    await w.run(20_000);
    expect(await b2.client.account.info()).toBeUndefined();
    expect(await version(b1)).toBe(1n);
    await expect(b1.client.account.beginLink(code)).rejects.toMatchObject({ code: "link-in-progress" });

    await link.confirm("laptop");
    await w.until("b2 is linked", async () => (await version(b2)) === 2n);
    const info = await b2.client.account.info();
    expect(info).toMatchObject({ primary: false, accountKey: (await b1.client.account.info())?.accountKey });
    expect(info?.devices.map((d) => d.name).sort()).toEqual(["laptop", "primary"]);
    expect(await b2.store.get(ACCOUNT_NS, LINK_PENDING_KEY)).toBeUndefined();
    expect(errors(b2)).toEqual([]);

    // A peer account reaches both devices; each message exactly once on every other device.
    await a1.client.account.create();
    await w.connect(a1, b1);
    const { conversationId: ad } = await a1.client.account.startConversation(await b1.client.account.address());
    const all = [a1, b1, b2];
    await w.until("every device joins", async () => (await Promise.all(all.map((p) => active(p, ad)))).every(Boolean));
    for (const d of all) await d.client.send(ad, `hi ${d.name}`);
    const want = (d: Peer) => all.filter((o) => o !== d).map((o) => `hi ${o.name}`);
    await w.until("every device reads every other", () =>
      all.every((d) =>
        want(d).every((t) => groupMessages(d, ad).some((m) => (m.content as { text: string }).text === t)),
      ),
    );
    await w.run(10_000);
    for (const d of all) expectExactly(d, ad, want(d));
    // Drops and duplicates along the way: one list signed on the primary, one adopted.
    expect(await version(b1)).toBe(2n);
    expect(await version(b2)).toBe(2n);
  });

  it("cancel: nothing is signed or sent on either side", async () => {
    const w = setup("link-2");
    const [b1, b2] = [await w.peer("b1"), await w.peer("b2")];
    await b1.client.account.create();
    const before = await b1.store.get(ACCOUNT_NS, ACCOUNT_KEY);
    const link = await b1.client.account.beginLink(await b2.client.account.linkCode());
    const cid = await startedBy(w, b2, b1);
    expect(await b2.client.account.linkWords(cid)).toEqual(link.words);
    link.cancel();
    await expect(link.confirm()).rejects.toMatchObject({ code: "link-cancelled" });
    await w.run(30_000);
    expect(await b1.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toEqual(before);
    expect(await b2.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toBeUndefined();
    expect(await b2.client.account.info()).toBeUndefined();
    // A new link may begin once the last is cancelled.
    const again = await b1.client.account.beginLink(await b2.client.account.linkCode());
    again.cancel();
  });

  it("a swapped code shows other words, and the user's device is not linked by the primary", async () => {
    const w = setup("link-3");
    const [b1, b2, m, mx] = [await w.peer("b1"), await w.peer("b2"), await w.peer("m"), await w.peer("mx")];
    await b1.client.account.create();
    await m.client.account.create();
    const real = await b2.client.account.linkCode();
    // The code reaches the primary swapped for the attacker's; the attacker links to the real device himself.
    const shown = await b1.client.account.beginLink(await mx.client.account.linkCode());
    const relay = await m.client.account.beginLink(real);
    const cid = await startedBy(w, b2, m);
    const onNew = await b2.client.account.linkWords(cid);
    expect(onNew).toEqual(relay.words);
    expect(onNew).not.toEqual(shown.words);
    shown.cancel();
    relay.cancel();
    await w.run(10_000);
    expect(await b2.client.account.info()).toBeUndefined();
  });

  it("typed errors: bad code, not primary, no account, own code", async () => {
    const w = setup("link-4");
    const [b1, b2, c] = [await w.peer("b1"), await w.peer("b2"), await w.peer("c")];
    const code = await b2.client.account.linkCode();
    await expect(c.client.account.beginLink(code)).rejects.toMatchObject({ code: "no-account" });
    await b1.client.account.create();
    await expect(b1.client.account.beginLink(`${code.slice(0, 40)}A${code.slice(41)}`)).rejects.toMatchObject({
      code: expect.stringMatching(/^link-bad-/),
    });
    await expect(b1.client.account.beginLink("hello")).rejects.toMatchObject({ code: "link-missing-prefix" });
    await expect(b1.client.account.linkCode()).rejects.toMatchObject({ code: "account-exists" });
    const link = await b1.client.account.beginLink(code);
    await link.confirm();
    await w.until("b2 is linked", async () => (await version(b2)) === 2n);
    await expect(b2.client.account.beginLink(await c.client.account.linkCode())).rejects.toMatchObject({
      code: "not-account-primary",
    });
  });

  it("a restart of the new device mid-link: the confirmed list arrives after it and is adopted once", async () => {
    const w = setup("link-5");
    const [b1, b2] = [await w.peer("b1"), await w.peer("b2")];
    await b1.client.account.create();
    const link = await b1.client.account.beginLink(await b2.client.account.linkCode());
    const cid = await startedBy(w, b2, b1);
    await w.stop(b2);
    await link.confirm("tablet");
    await w.run(5_000);
    await w.reopen(b2);
    expect(await b2.client.account.linkWords(cid)).toEqual(link.words);
    await w.until("b2 is linked", async () => (await version(b2)) === 2n);
    await w.stop(b2);
    await w.reopen(b2);
    expect((await b2.client.account.info())?.devices.map((d) => d.name).sort()).toEqual(["primary", "tablet"]);
    expect(errors(b2)).toEqual([]);
  });

  it("an offer not naming this device, or of another account than its sender's, is refused and writes nothing", async () => {
    const w = setup("link-6");
    const [b1, b2, a1] = [await w.peer("b1"), await w.peer("b2"), await w.peer("a1")];
    await b1.client.account.create();
    await a1.client.account.create();
    await b2.client.account.linkCode();
    await w.connect(a1, b2);
    const cid = a1.pairwise.get("b2")!;
    const offer = (list: Uint8Array) => concatBytes(LINK_PAYLOAD_PREFIX, list);
    // a1's own list (version 2, naming a third device only) does not name b2.
    const c = await w.peer("c");
    const own = await a1.client.account.addDevice(hexBytes(c.client.installationKey), "c");
    await a1.client.sendGroupControl(cid, offer(own));
    await w.until("refused: not on the list", () => errors(b2).includes("not-on-account-list"));
    // b1's list names b2 but not a1, who sends it.
    const other = await b1.client.account.addDevice(hexBytes(b2.client.installationKey), "b2");
    await a1.client.sendGroupControl(cid, offer(other));
    await w.until("refused: wrong account", () => errors(b2).includes("link-wrong-account"));
    await w.run(10_000);
    expect(await b2.client.account.info()).toBeUndefined();
    expect(await b2.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toBeUndefined();
    expect(await b2.store.get(ACCOUNT_NS, LINK_PENDING_KEY)).toBeDefined();
  });

  it("a valid offer to a device that shows no link code is refused and writes nothing", async () => {
    const w = setup("link-7");
    const [a1, d] = [await w.peer("a1"), await w.peer("d")];
    await a1.client.account.create();
    await w.connect(a1, d);
    const list = await a1.client.account.addDevice(hexBytes(d.client.installationKey), "d");
    await a1.client.sendGroupControl(a1.pairwise.get("d")!, concatBytes(LINK_PAYLOAD_PREFIX, list));
    await w.until("refused: no link code shown", () => errors(d).includes("link-not-expected"));
    expect(await d.client.account.info()).toBeUndefined();
    expect(await d.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toBeUndefined();
  });
});
