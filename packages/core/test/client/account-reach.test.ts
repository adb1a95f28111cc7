/**
 * An account reached from its address alone (docs/ACCOUNTS.md §3, InboxV1 keeps first contact): no earlier
 * conversation between the devices. The address carries one device's bundle key, signed by that device for its
 * account; the starter runs an InboxV1 handshake to it (a PrivateV1 conversation, whose first message is a
 * greeting) in the same commit as the account conversation, and the key package request and the Welcome travel
 * over it. Over the in-memory network with drops, duplicates, reordering and delays.
 */
import { describe, expect, it } from "vitest";
import { NobleCryptoProvider } from "../../src/crypto/index.js";
import type { MemoryStore } from "../../src/framework/memory-store.js";
import { encodeAccountAddress, parseAccountAddress } from "../../src/identity/account/address.js";
import { AccountError } from "../../src/identity/account/errors.js";
import { exchange, linkDevice, type Peer, seesAccountRoster, setup } from "./group-world.js";

const noble = new NobleCryptoProvider();

/** Every device of `ps` has exactly `ps` as members (not only invited) of the group of accounts `cid`. */
async function seesGroupRoster(ps: Peer[], cid: string): Promise<boolean> {
  const want = ps.map((p) => p.client.installationKey).sort();
  for (const p of ps) {
    const accounts = await p.client.account.groups.members(cid).catch(() => []);
    const have = accounts.flatMap((a) => a.devices.filter((d) => d.state !== "invited").map((d) => d.peer));
    if (have.sort().join() !== want.join()) return false;
  }
  return true;
}

/** The PrivateV1 conversations `p` holds with `other`. */
async function pairwise(p: Peer, other: Peer): Promise<string[]> {
  return (await p.client.conversations())
    .filter((c) => c.type === "PrivateV1" && c.peer === other.client.installationKey)
    .map((c) => c.id);
}

describe("Client accounts: reached from an address alone", () => {
  it("two accounts of two devices, no earlier conversation: all four in one conversation, each message exactly once", async () => {
    const w = setup("account-reach-1");
    const [a1, a2, b1, b2] = [await w.peer("a1"), await w.peer("a2"), await w.peer("b1"), await w.peer("b2")];
    await a1.client.account.create();
    await b1.client.account.create();
    await b1.client.account.self.setDisplayName("Bea");
    await linkDevice(w, a1, a2);
    await linkDevice(w, b1, b2);
    expect(await pairwise(b1, a1)).toEqual([]);

    const { conversationId: cid } = await b1.client.account.startConversation(await a1.client.account.address());
    await w.until("all four see all four", () => seesAccountRoster([a1, a2, b1, b2], cid));
    await exchange(w, [a1, a2, b1, b2], cid, "hello");
    await exchange(w, [a1, a2, b1, b2], cid, "again");

    // One PrivateV1 conversation between the two devices, started by b1; its first message is b1's display name.
    const [started] = await pairwise(a1, b1);
    expect(await pairwise(a1, b1)).toEqual([started]);
    expect(await pairwise(b1, a1)).toHaveLength(1);
    const greeting = a1.events.filter((e) => e.type === "message" && e.conversationId === started);
    expect(greeting.map((e) => (e as { content: unknown }).content)).toEqual([{ kind: "profile", displayName: "Bea" }]);

    // Starting again reuses that conversation: no second handshake.
    const again = await b1.client.account.startConversation(await a1.client.account.address());
    await w.run(20_000);
    expect(await pairwise(b1, a1)).toHaveLength(1);
    expect(await pairwise(a1, b1)).toHaveLength(1);
    await w.until("the second conversation forms", () => seesAccountRoster([a1, a2, b1, b2], again.conversationId));
  });

  it("a group of three accounts from addresses alone, then a fourth person added by address", async () => {
    const w = setup("account-reach-2");
    const [a, b, c, d] = [await w.peer("a"), await w.peer("b"), await w.peer("c"), await w.peer("d")];
    for (const p of [a, b, c, d]) await p.client.account.create();
    const cid = await a.client.account.groups.create({
      name: "g",
      addresses: [await b.client.account.address(), await c.client.account.address()],
    });
    await w.until("a, b and c in the group", () => seesGroupRoster([a, b, c], cid));
    await exchange(w, [a, b, c], cid, "three");
    // The default greeting without a display name is a text.
    const [toB] = await pairwise(b, a);
    const first = b.events.find((e) => e.type === "message" && e.conversationId === toB);
    expect(first).toMatchObject({ content: { kind: "text" } });

    await b.client.account.groups.addPeople(cid, [await d.client.account.address()]);
    await w.until("d joins", () => seesGroupRoster([a, b, c, d], cid));
    await exchange(w, [a, b, c, d], cid, "four");
    expect(await pairwise(d, b)).toHaveLength(1);
    expect(await pairwise(d, a)).toEqual([]);
  });

  it("an address whose signature does not hold writes nothing; one to a retired bundle key is refused by the device", async () => {
    const w = setup("account-reach-3");
    const [a, b] = [await w.peer("a"), await w.peer("b")];
    await a.client.account.create();
    await b.client.account.create();
    const address = parseAccountAddress(noble, await b.client.account.address());
    if (!address.ok) throw address.error;
    // Another bundle key under b's signature: the signature covers the key, so the address is refused.
    const swapped = encodeAccountAddress({ ...address.value, ephemeralKey: noble.x25519GenerateKeyPair().publicKey });
    const revision = (a.store as MemoryStore).revision;
    await expect(a.client.account.startConversation(swapped)).rejects.toMatchObject({
      code: "address-bad-signature",
    });
    await expect(a.client.account.startConversation(swapped)).rejects.toBeInstanceOf(AccountError);
    expect((a.store as MemoryStore).revision).toBe(revision);
    expect(await a.client.conversations()).toEqual([]);

    // b retires every bundle handed out: the address's key with them. A's invite is refused there, nothing joins.
    const stale = await b.client.account.address();
    await b.client.rotateIntroBundle();
    const { conversationId: cid } = await a.client.account.startConversation(stale);
    await w.run(60_000);
    expect(await b.client.conversations()).toEqual([]);
    expect(await pairwise(b, a)).toEqual([]);
    expect((await a.client.account.members(cid)).filter((m) => m.state !== "invited").map((m) => m.peer)).toEqual([
      a.client.installationKey,
    ]);

    // The fresh address reaches b: the conversation to the retired key never answered, so a new one starts.
    const { conversationId: fresh } = await a.client.account.startConversation(await b.client.account.address());
    await w.until("b joins from the fresh address", () => seesAccountRoster([a, b], fresh));
    await exchange(w, [a, b], fresh, "fresh");
    expect(await pairwise(a, b)).toHaveLength(2);
    expect(await pairwise(b, a)).toHaveLength(1);
  });
  it("a device that holds first contacts as message requests: nothing forms until it accepts, then all of it", async () => {
    const w = setup("account-reach-4");
    const a = await w.peer("a");
    const b = await w.peer("b", undefined, { invites: { mode: "request", requestTtlMs: 3_600_000 } });
    await a.client.account.create();
    await b.client.account.create();
    const { conversationId: cid } = await a.client.account.startConversation(await b.client.account.address());
    await w.run(30_000);
    const [request] = await b.client.messageRequests();
    expect(request?.peer).toBe(a.client.installationKey);
    expect(await b.client.conversations()).toEqual([]);
    expect(await seesAccountRoster([a, b], cid)).toBe(false);

    await b.client.acceptRequest(request!.id);
    await w.until("b joins once it accepted", () => seesAccountRoster([a, b], cid));
    await exchange(w, [a, b], cid, "accepted");
  });
});
