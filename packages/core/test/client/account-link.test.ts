/**
 * Linking a device over the network (docs/ACCOUNTS.md §4) through Clients on the in-memory network with faults:
 * the commitment exchange (commit, nonce, reveal) gives both sides the same six words, and only after the
 * primary's confirmation the next list, adopted by the new device in one commit; cancel writes no list; a man
 * in the middle with two real link conversations shows other words and gets one commitment per code; a reveal
 * that does not open the commitment, and link payloads over another conversation than the code's, are refused
 * and write nothing; restarts of either side between any two messages; forged offers refused.
 */
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/base/bytes.js";
import { ACCOUNT_KEY, ACCOUNT_NS } from "../../src/client/account-state.js";
import {
  decodeDeviceLink,
  encodeLinkPayload,
  LINK_DEVICE_KEY,
  LINK_PENDING_KEY,
  LINK_PRIMARY_KEY,
} from "../../src/client/link-wire.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { parseLinkCode } from "../../src/identity/account/link-code.js";
import { linkCommitment, linkWords } from "../../src/identity/account/sas.js";
import { encodeIntroBundle } from "../../src/identity/intro-bundle.js";
import { expectExactly, groupMessages, type Peer, seesAccountRoster, setup } from "./group-world.js";

type World = ReturnType<typeof setup>;
const crypto = new NobleCryptoProvider({ random: seededRandom("account-link") });

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

/** Runs the world until `promise` settles; its value (or its rejection). */
async function settled<T>(w: World, what: string, promise: Promise<T>): Promise<T> {
  let r: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then(
    (value) => {
      r = { ok: true, value };
    },
    (error) => {
      r = { ok: false, error };
    },
  );
  await w.until(what, () => r !== undefined);
  if (!r!.ok) throw r!.error;
  return r!.value;
}

async function version(p: Peer): Promise<bigint | undefined> {
  return (await p.client.account.info())?.version;
}

function errors(p: Peer): string[] {
  return p.events.flatMap((e) => (e.type === "error" ? [e.error.code] : []));
}

function wordEvents(p: Peer): { conversationId: string; words: readonly string[]; role: string }[] {
  return p.events.flatMap((e) => (e.type === "link-words" ? [e] : []));
}

async function active(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.conversations()).some((c) => c.id === cid && c.status === "active");
}

/** The intro bundle a link code carries, as `startConversation` takes it (an attacker's fresh handshake to it). */
function bundleOf(code: string): string {
  const parsed = parseLinkCode(crypto, code);
  if (!parsed.ok) throw parsed.error;
  return encodeIntroBundle(parsed.value);
}

/** Everything of the link and the account a device stores. */
async function linkRecords(p: Peer): Promise<(Uint8Array | undefined)[]> {
  const keys = [ACCOUNT_KEY, LINK_PENDING_KEY, LINK_DEVICE_KEY, LINK_PRIMARY_KEY];
  return Promise.all(keys.map((k) => p.store.get(ACCOUNT_NS, k)));
}

describe("Client accounts: linking a device with a commitment exchange and confirmation words", () => {
  it("links a second device: the same words on both after the exchange, the list after confirm, then a peer account's messages exactly once", async () => {
    const w = setup("link-1");
    const [b1, b2, a1] = [await w.peer("b1"), await w.peer("b2"), await w.peer("a1")];
    await b1.client.account.create();
    const code = await b2.client.account.linkCode();
    expect(code.startsWith("parley_link_1_")).toBe(true);
    const link = await b1.client.account.beginLink(code);
    expect(link.device).toBe(b2.client.installationKey);
    // Before the device's nonce there are no words to confirm.
    await expect(link.confirm()).rejects.toMatchObject({ code: "link-words-pending" });
    const cid = await startedBy(w, b2, b1);
    const onDevice = await settled(w, "b2's words", b2.client.account.linkWords(cid));
    const onPrimary = await settled(w, "b1's words", link.words);
    expect(onDevice).toHaveLength(6);
    expect(onDevice).toEqual(onPrimary);
    expect(wordEvents(b1)).toEqual([
      { type: "link-words", conversationId: link.conversationId, words: onPrimary, role: "primary" },
    ]);
    expect(wordEvents(b2)).toEqual([{ type: "link-words", conversationId: cid, words: onDevice, role: "device" }]);

    // A second nonce (here from the device itself) is refused by the primary and changes nothing.
    const held = await b1.store.get(ACCOUNT_NS, LINK_PRIMARY_KEY);
    await b2.client.sendGroupControl(cid, encodeLinkPayload({ kind: "nonce", nonce: crypto.randomBytes(32) }));
    await w.until("refused: second nonce", () => errors(b1).includes("link-out-of-order"));
    expect(await b1.store.get(ACCOUNT_NS, LINK_PRIMARY_KEY)).toEqual(held);
    expect(wordEvents(b1)).toHaveLength(1);

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
    expect(b2.events.filter((e) => e.type === "account-linked")).toEqual([
      { type: "account-linked", conversationId: cid, accountKey: info?.accountKey },
    ]);
    const [, pending, device] = await linkRecords(b2);
    expect([pending, device]).toEqual([undefined, undefined]);
    expect(await b1.store.get(ACCOUNT_NS, LINK_PRIMARY_KEY)).toBeUndefined();
    expect(errors(b2)).toEqual([]);
    expect(errors(b1)).toEqual(["link-out-of-order"]);

    // A peer account reaches both devices; each message exactly once on every other device.
    await a1.client.account.create();
    await w.connect(a1, b1);
    const { conversationId: ad } = await a1.client.account.startConversation(await b1.client.account.address());
    const all = [a1, b1, b2];
    await w.until("every device joins", async () => (await Promise.all(all.map((p) => active(p, ad)))).every(Boolean));
    // A message is readable only by the roster its sender saw (docs/GROUPS.md §2): before sending, every device
    // must have seen the commit that added b2, or b2 can never read what a1 sends on the epoch before it.
    await w.until("every device sees every device", () => seesAccountRoster(all, ad));
    for (const d of all) await d.client.send(ad, `hi ${d.name}`);
    const want = (d: Peer) => all.filter((o) => o !== d).map((o) => `hi ${o.name}`);
    await w.until("every device reads every other", () =>
      all.every((d) =>
        want(d).every((t) => groupMessages(d, ad).some((m) => (m.content as { text: string }).text === t)),
      ),
    );
    await w.run(10_000);
    for (const d of all) expectExactly(d, ad, want(d));
    expect(await version(b1)).toBe(2n);
    expect(await version(b2)).toBe(2n);
  });

  it("the same words on both sides under heavy drops, duplicates and reordering (3 worlds)", async () => {
    const faults = { drop: 0.2, duplicate: 0.2, reorder: 0.4, reorderWindow: 400, delay: { min: 5, max: 150 } };
    for (const seed of ["link-f1", "link-f2", "link-f3"]) {
      const w = setup(seed, faults);
      const [b1, b2] = [await w.peer("b1"), await w.peer("b2")];
      await b1.client.account.create();
      const link = await b1.client.account.beginLink(await b2.client.account.linkCode());
      const cid = await startedBy(w, b2, b1);
      const words = await settled(w, "b2's words", b2.client.account.linkWords(cid));
      expect(await settled(w, "b1's words", link.words)).toEqual(words);
      await link.confirm();
      await w.until("b2 is linked", async () => (await version(b2)) === 2n);
      await w.run(10_000);
      expect([errors(b1), errors(b2)]).toEqual([[], []]);
      expect([wordEvents(b1).length, wordEvents(b2).length]).toEqual([1, 1]);
    }
  });

  it("cancel: nothing is signed or sent on either side; the code's one commitment is spent", async () => {
    const w = setup("link-2");
    const [b1, b2] = [await w.peer("b1"), await w.peer("b2")];
    await b1.client.account.create();
    const before = await b1.store.get(ACCOUNT_NS, ACCOUNT_KEY);
    const code = await b2.client.account.linkCode();
    const link = await b1.client.account.beginLink(code);
    link.cancel();
    await expect(link.words).rejects.toMatchObject({ code: "link-cancelled" });
    await expect(link.confirm()).rejects.toMatchObject({ code: "link-cancelled" });
    await w.run(30_000);
    // The device's nonce reached a primary that forgot the link: refused, nothing written.
    expect(errors(b1)).toEqual(["link-not-expected"]);
    expect(await b1.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toEqual(before);
    expect(await b1.store.get(ACCOUNT_NS, LINK_PRIMARY_KEY)).toBeUndefined();
    expect(await b2.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toBeUndefined();
    // The same code again: the device took its one commitment already.
    const retry = await b1.client.account.beginLink(code);
    await w.until("refused: second commitment", () => errors(b2).includes("link-commit-repeated"));
    retry.cancel();
    // A new code starts a new link.
    const again = await b1.client.account.beginLink(await b2.client.account.linkCode());
    const words = await settled(w, "words", again.words);
    await w.until("b2 knows the words", () => wordEvents(b2).length === 1);
    expect(wordEvents(b2)[0]!.words).toEqual(words);
    expect(again.conversationId).not.toBe(link.conversationId);
    again.cancel();
  });

  it("a man in the middle with two real link conversations shows other words and gets one commitment per code", async () => {
    const w = setup("link-3");
    const [b1, b2, m, mx] = [await w.peer("b1"), await w.peer("b2"), await w.peer("m"), await w.peer("mx")];
    await b1.client.account.create();
    await m.client.account.create();
    const real = await b2.client.account.linkCode();
    // The code reaches the primary swapped for the attacker's; the attacker links to the real device himself.
    const shown = await b1.client.account.beginLink(await mx.client.account.linkCode());
    const relay = await m.client.account.beginLink(real);
    const cid = await startedBy(w, b2, m);
    const onNew = await settled(w, "b2's words", b2.client.account.linkWords(cid));
    expect(await settled(w, "relay words", relay.words)).toEqual(onNew);
    const onPrimary = await settled(w, "b1's words", shown.words);
    expect(onNew).not.toEqual(onPrimary);
    // A second try with a fresh handshake (fresh ephemeral) to the same code: its commitment is refused.
    const held = await b2.store.get(ACCOUNT_NS, LINK_DEVICE_KEY);
    const { conversationId: again } = await m.client.startConversation(bundleOf(real), "hello");
    const commitment = linkCommitment(crypto, crypto.randomBytes(32));
    await m.client.sendGroupControl(again, encodeLinkPayload({ kind: "commit", commitment }));
    await w.until("refused: second commitment", () => errors(b2).includes("link-commit-repeated"));
    expect(await b2.store.get(ACCOUNT_NS, LINK_DEVICE_KEY)).toEqual(held);
    await expect(b2.client.account.linkWords((await deviceCids(b2)).at(-1)!)).rejects.toMatchObject({
      code: "not-a-link",
    });
    // Offline, the attacker's best: a fresh binding and nonce per try, committed before the device's nonce.
    const binding = utf8(cid);
    let matches = 0;
    for (let i = 0; i < 200; i++) {
      const attempt = crypto.randomBytes(binding.length);
      const words = linkWords(crypto, attempt, crypto.randomBytes(32), crypto.randomBytes(32)).words;
      if (words.join() === onPrimary.join()) matches++;
    }
    expect(matches).toBe(0);
    shown.cancel();
    relay.cancel();
    await w.run(10_000);
    expect(await b2.client.account.info()).toBeUndefined();
  });

  it("a reveal that does not open the commitment is refused and writes nothing; the right one then gives the words", async () => {
    const w = setup("link-8");
    const [b2, m] = [await w.peer("b2"), await w.peer("m")];
    await m.client.account.create();
    const code = await b2.client.account.linkCode();
    const { conversationId: mcid } = await m.client.startConversation(bundleOf(code), "hello");
    const nonce = crypto.randomBytes(32);
    await m.client.sendGroupControl(
      mcid,
      encodeLinkPayload({ kind: "commit", commitment: linkCommitment(crypto, nonce) }),
    );
    await w.until(
      "b2 took the commitment",
      async () => (await b2.store.get(ACCOUNT_NS, LINK_DEVICE_KEY)) !== undefined,
    );
    const before = await linkRecords(b2);
    const wrong = nonce.slice();
    wrong[0]! ^= 1;
    await m.client.sendGroupControl(mcid, encodeLinkPayload({ kind: "reveal", nonce: wrong }));
    await w.until("refused: mismatch", () => errors(b2).includes("link-commit-mismatch"));
    expect(await linkRecords(b2)).toEqual(before);
    expect(wordEvents(b2)).toEqual([]);
    // An offer before the words were shown: refused, nothing written.
    const list = await m.client.account.addDevice(hexBytes(b2.client.installationKey), "b2");
    await m.client.sendGroupControl(mcid, encodeLinkPayload({ kind: "offer", list }));
    await w.until("refused: offer too early", () => errors(b2).includes("link-out-of-order"));
    expect(await linkRecords(b2)).toEqual(before);
    await m.client.sendGroupControl(mcid, encodeLinkPayload({ kind: "reveal", nonce }));
    await w.until("b2 shows words", () => wordEvents(b2).length === 1);
    expect(decodeDeviceLink(await b2.store.get(ACCOUNT_NS, LINK_DEVICE_KEY))?.sas).toBeDefined();
  });

  it("link payloads over another conversation than the code's are refused and write nothing", async () => {
    const w = setup("link-9");
    const [a1, b2] = [await w.peer("a1"), await w.peer("b2")];
    await a1.client.account.create();
    await b2.client.account.linkCode();
    // A conversation to b2's ordinary intro bundle, not to the code's.
    await w.connect(a1, b2);
    const cid = a1.pairwise.get("b2")!;
    const before = await linkRecords(b2);
    const commitment = linkCommitment(crypto, crypto.randomBytes(32));
    await a1.client.sendGroupControl(cid, encodeLinkPayload({ kind: "commit", commitment }));
    await w.until("refused: commit", () => errors(b2).includes("link-wrong-conversation"));
    const list = await a1.client.account.addDevice(hexBytes(b2.client.installationKey), "b2");
    await a1.client.sendGroupControl(cid, encodeLinkPayload({ kind: "offer", list }));
    await w.until("refused: offer", () => errors(b2).filter((c) => c === "link-wrong-conversation").length === 2);
    await w.run(10_000);
    expect(await linkRecords(b2)).toEqual(before);
    expect(await b2.client.account.info()).toBeUndefined();
    await expect(b2.client.account.linkWords(b2.pairwise.get("a1")!)).rejects.toMatchObject({ code: "not-a-link" });
  });

  it("typed errors: bad code, not primary, no account, own code, payload of no kind", async () => {
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
    await settled(w, "words", link.words);
    await link.confirm();
    await w.until("b2 is linked", async () => (await version(b2)) === 2n);
    await expect(b2.client.account.beginLink(await c.client.account.linkCode())).rejects.toMatchObject({
      code: "not-account-primary",
    });
    const bad = encodeLinkPayload({ kind: "reveal", nonce: new Uint8Array(32) }).slice(0, -1);
    await b1.client.sendGroupControl(link.conversationId, bad);
    await w.until("refused: malformed", () => errors(b2).includes("link-payload-malformed"));
  });

  it("restarts of either side between any two messages: the link completes once, with the same words", async () => {
    const w = setup("link-5");
    const [b1, b2] = [await w.peer("b1"), await w.peer("b2")];
    const restart = async (...ps: Peer[]) => {
      for (const p of ps) await w.stop(p);
      for (const p of ps) await w.reopen(p);
    };
    const cut = (from: Peer, to: Peer, on: boolean) =>
      w.bus.setLinkFaults(from.name, to.name, on ? { drop: 1 } : undefined);
    await b1.client.account.create();
    const code = await b2.client.account.linkCode();
    await w.stop(b2); // before the commitment arrives
    await b1.client.account.beginLink(code);
    await w.run(3_000);
    cut(b2, b1, true);
    await w.reopen(b2);
    await w.until(
      "b2 took the commitment",
      async () => (await b2.store.get(ACCOUNT_NS, LINK_DEVICE_KEY)) !== undefined,
    );
    // Between the device's nonce and the primary's taking it, both restart (the PendingLink of b1 is lost).
    await restart(b1, b2);
    cut(b2, b1, false);
    cut(b1, b2, true);
    await w.until("b1 knows the words", () => wordEvents(b1).length === 1);
    // Between the primary's reveal and the device's taking it.
    await restart(b1, b2);
    cut(b1, b2, false);
    await w.until("b2 knows the words", () => wordEvents(b2).length === 1);
    expect(wordEvents(b2)[0]!.words).toEqual(wordEvents(b1)[0]!.words);
    // Between the words and the offer.
    await restart(b1, b2);
    await w.stop(b2);
    // The same code resumes the link begun before the restarts (its words, its conversation).
    const link = await b1.client.account.beginLink(code);
    expect(await link.words).toEqual(wordEvents(b1)[0]!.words);
    expect(link.conversationId).toBe(wordEvents(b1)[0]!.conversationId);
    await link.confirm("tablet");
    await w.run(5_000);
    await w.reopen(b2);
    await w.until("b2 is linked", async () => (await version(b2)) === 2n);
    await restart(b2);
    expect((await b2.client.account.info())?.devices.map((d) => d.name).sort()).toEqual(["primary", "tablet"]);
    expect([errors(b1), errors(b2)]).toEqual([[], []]);
    expect(b2.events.filter((e) => e.type === "account-linked")).toHaveLength(1);
    expect([wordEvents(b1).length, wordEvents(b2).length]).toEqual([1, 1]);
  });

  it("an offer not naming this device, or of another account than its sender's, is refused and writes nothing", async () => {
    const w = setup("link-6");
    const [b1, b2, a1] = [await w.peer("b1"), await w.peer("b2"), await w.peer("a1")];
    await b1.client.account.create();
    await a1.client.account.create();
    await b2.client.account.linkCode();
    await w.connect(a1, b2);
    const cid = a1.pairwise.get("b2")!;
    const before = await linkRecords(b2);
    // a1's own list (version 2, naming a third device only) does not name b2.
    const c = await w.peer("c");
    const own = await a1.client.account.addDevice(hexBytes(c.client.installationKey), "c");
    await a1.client.sendGroupControl(cid, encodeLinkPayload({ kind: "offer", list: own }));
    await w.until("refused: not on the list", () => errors(b2).includes("not-on-account-list"));
    // b1's list names b2 but not a1, who sends it.
    const other = await b1.client.account.addDevice(hexBytes(b2.client.installationKey), "b2");
    await a1.client.sendGroupControl(cid, encodeLinkPayload({ kind: "offer", list: other }));
    await w.until("refused: wrong account", () => errors(b2).includes("link-wrong-account"));
    await w.run(10_000);
    expect(await b2.client.account.info()).toBeUndefined();
    expect(await linkRecords(b2)).toEqual(before);
    expect(before[1]).toBeDefined();
  });

  it("a valid offer to a device that shows no link code is refused and writes nothing", async () => {
    const w = setup("link-7");
    const [a1, d] = [await w.peer("a1"), await w.peer("d")];
    await a1.client.account.create();
    await w.connect(a1, d);
    const list = await a1.client.account.addDevice(hexBytes(d.client.installationKey), "d");
    await a1.client.sendGroupControl(a1.pairwise.get("d")!, encodeLinkPayload({ kind: "offer", list }));
    await w.until("refused: no link code shown", () => errors(d).includes("link-not-expected"));
    expect(await d.client.account.info()).toBeUndefined();
    expect(await d.store.get(ACCOUNT_NS, ACCOUNT_KEY)).toBeUndefined();
  });
});

/** The device's conversations, oldest first. */
async function deviceCids(p: Peer): Promise<string[]> {
  return p.events.flatMap((e) => (e.type === "conversation-started" ? [e.conversationId] : []));
}
