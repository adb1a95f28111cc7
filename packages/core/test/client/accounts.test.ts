/**
 * Accounts through the Client (docs/ACCOUNTS.md): AccountDirectV1 conversations started from an account
 * address over the in-memory network with faults (drops, duplicates, reordering, delays), each message exactly
 * once on every device of both accounts, the sender's other devices included; a device added to the account's
 * list joins; a Client restarted on its store continues; a forged list or address is refused and writes nothing.
 */
import { describe, expect, it } from "vitest";
import { ClientError } from "../../src/client/errors.js";
import { NobleCryptoProvider } from "../../src/crypto/index.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { Store } from "../../src/framework/store.js";
import { encodeAccountAddress, parseAccountAddress } from "../../src/identity/account/address.js";
import { AccountError } from "../../src/identity/account/errors.js";
import { exchange, expectExactly, groupOf, type Peer, seesAccountRoster, setup } from "./group-world.js";

type World = ReturnType<typeof setup>;
const crypto = new NobleCryptoProvider();

async function active(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.conversations()).some(
    (c) => c.id === cid && c.type === "AccountDirectV1" && c.status === "active",
  );
}

/** Links `device` to the account of `primary` (the list handed over as linking will, after its words). */
async function link(w: World, primary: Peer, device: Peer): Promise<void> {
  await w.connect(primary, device);
  const list = await primary.client.account.addDevice(hexBytes(device.client.installationKey), device.name);
  await device.client.account.adoptList(list);
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

describe("Client accounts: AccountDirectV1 through the Client", () => {
  it("two accounts of one device each: started from an address, each message exactly once", async () => {
    const w = setup("accounts-1");
    const a = await w.peer("a");
    const b = await w.peer("b");
    await w.connect(a, b);
    const created = await a.client.account.create();
    expect(created.recoveryCode.replace(/[^0-9A-Z]/g, "")).toHaveLength(56);
    await b.client.account.create();
    const info = await a.client.account.info();
    expect(info).toMatchObject({ accountKey: created.accountKey, primary: true, version: 1n });
    expect(info?.devices.map((d) => [d.installationKey, d.self])).toEqual([[a.client.installationKey, true]]);

    const { conversationId: cid } = await a.client.account.startConversation(await b.client.account.address());
    expect(cid).toMatch(/^ad[0-9a-f]{32}$/);
    await w.until("b joins", () => active(b, cid));
    await exchange(w, [a, b], cid, "hello");
    await exchange(w, [a, b], cid, "again");
    expectExactly(a, cid, ["hello b", "again b"]);
    expectExactly(b, cid, ["hello a", "again a"]);

    // A GroupV1 group between the same two runs beside it: its control frames still reach GroupV1.
    const group = await groupOf(w, a, [b]);
    await exchange(w, [a, b], group, "group");
    expectExactly(b, group, ["group a"]);
    expectExactly(b, cid, ["hello a", "again a"]);
  });

  it("two accounts of two devices each: every message on every other device exactly once, then after a restart", async () => {
    const w = setup("accounts-2");
    const [a1, a2, b1, b2] = [await w.peer("a1"), await w.peer("a2"), await w.peer("b1"), await w.peer("b2")];
    await a1.client.account.create();
    await b1.client.account.create();
    await link(w, a1, a2);
    await link(w, b1, b2);
    expect((await a2.client.account.info())?.primary).toBe(false);
    expect((await a2.client.account.info())?.devices).toHaveLength(2);
    await w.connect(a1, b1);

    const { conversationId: cid } = await a1.client.account.startConversation(await b1.client.account.address());
    const all = [a1, a2, b1, b2];
    await w.until("every device joins", async () => (await Promise.all(all.map((p) => active(p, cid)))).every(Boolean));
    await w.until("every device sees every device", () => seesAccountRoster(all, cid));
    await exchange(w, all, cid, "one");
    for (const d of all)
      expectExactly(
        d,
        cid,
        all.filter((o) => o !== d).map((o) => `one ${o.name}`),
      );

    // b2 restarts on its store (a new Client) and the conversation goes on, both ways.
    await w.stop(b2);
    await w.reopen(b2);
    expect((await b2.client.account.info())?.devices).toHaveLength(2);
    await exchange(w, all, cid, "two");
    for (const d of all)
      expectExactly(
        d,
        cid,
        all.filter((o) => o !== d).flatMap((o) => [`one ${o.name}`, `two ${o.name}`]),
      );
  });

  it("a device revoked on the primary is removed from the conversation and reads nothing sent after", async () => {
    const w = setup("accounts-5");
    const [a1, a2, b1] = [await w.peer("a1"), await w.peer("a2"), await w.peer("b1")];
    await a1.client.account.create();
    await b1.client.account.create();
    await link(w, a1, a2);
    await w.connect(a1, b1);
    const { conversationId: cid } = await a1.client.account.startConversation(await b1.client.account.address());
    const all = [a1, a2, b1];
    await w.until("every device joins", async () => (await Promise.all(all.map((p) => active(p, cid)))).every(Boolean));
    await w.until("every device sees every device", () => seesAccountRoster(all, cid));
    await exchange(w, all, cid, "before");

    await expect(a2.client.account.removeDevice(hexBytes(a1.client.installationKey))).rejects.toMatchObject({
      code: "not-account-primary",
    });
    await a1.client.account.removeDevice(hexBytes(a2.client.installationKey));
    expect((await a1.client.account.info())?.devices.map((d) => d.name)).toEqual(["primary"]);
    await w.until("a2 is removed", async () =>
      (await a2.client.conversations()).some((c) => c.id === cid && c.status === "removed"),
    );
    await exchange(w, [a1, b1], cid, "after");
    expectExactly(a2, cid, ["before a1", "before b1"]);
    expectExactly(b1, cid, ["before a1", "before a2", "after a1"]);
    expectExactly(a1, cid, ["before a2", "before b1", "after b1"]);
  });

  it("a crash while creating the account leaves none; the primary keeps its account key across a restart", async () => {
    const w = setup("accounts-4");
    const store = new MemoryStore();
    let crash = true;
    const crashing: Store = {
      get: (ns, key) => store.get(ns, key),
      scan: (ns, o) => store.scan(ns, o),
      close: () => store.close(),
      commit: async (ops) => {
        if (crash && ops.some((op) => op.ns === "client.account")) throw new Error("power cut");
        await store.commit(ops);
      },
    };
    const a = await w.peer("a", crashing);
    await expect(a.client.account.create()).rejects.toThrow("power cut");
    expect(await a.client.account.info()).toBeUndefined();
    await w.stop(a);
    await w.reopen(a);
    expect(await a.client.account.info()).toBeUndefined();
    crash = false;
    const { accountKey } = await a.client.account.create();
    await w.stop(a);
    await w.reopen(a);
    expect(await a.client.account.info()).toMatchObject({ accountKey, primary: true, version: 1n });
    const other = await w.peer("other");
    await a.client.account.addDevice(hexBytes(other.client.installationKey), "other");
    expect((await a.client.account.info())?.version).toBe(2n);
  });

  it("a forged list or address is refused and writes nothing", async () => {
    const w = setup("accounts-3");
    const storeA = new MemoryStore();
    const a = await w.peer("a", storeA);
    const c = await w.peer("c");
    const b = await w.peer("b");
    await w.connect(a, b);
    await a.client.account.create();
    await b.client.account.create();
    await c.client.account.create();
    const list = await a.client.account.addDevice(hexBytes(c.client.installationKey), "c");
    const before = { revision: storeA.revision, info: await a.client.account.info() };

    // Any single byte of a list changed: refused with its code, on the device it names and on the signer.
    for (let i = 0; i < list.length; i += 7) {
      const forged = list.slice();
      forged[i]! ^= 0x01;
      await expect(c.client.account.adoptList(forged)).rejects.toBeInstanceOf(AccountError);
    }
    // A genuine list of another account (c already belongs to one): refused, nothing changes.
    await expect(c.client.account.adoptList(list)).rejects.toMatchObject({ code: "device-list-wrong-account" });
    // A list that does not name the device.
    await expect(b.client.account.adoptList(list)).rejects.toBeInstanceOf(AccountError);
    // An address whose list's signature is forged, and one whose device consent is: refused by their codes.
    const address = parseAccountAddress(crypto, await b.client.account.address());
    if (!address.ok) throw address.error;
    const flip = (x: Uint8Array) => Uint8Array.from(x, (v, i) => (i === 0 ? v ^ 1 : v));
    const forgedList = { ...address.value.deviceList, signature: flip(address.value.deviceList.signature) };
    await expect(
      a.client.account.startConversation(encodeAccountAddress({ ...address.value, deviceList: forgedList })),
    ).rejects.toMatchObject({ code: "device-list-bad-signature" });
    await expect(
      a.client.account.startConversation(
        encodeAccountAddress({ ...address.value, signature: flip(address.value.signature) }),
      ),
    ).rejects.toMatchObject({ code: "address-bad-signature" });
    await expect(a.client.account.startConversation(await a.client.account.address())).rejects.toMatchObject({
      code: "own-account",
    });
    expect(storeA.revision).toBe(before.revision + 1); // the intro bundle of a's own address, nothing else
    expect(await a.client.account.info()).toEqual(before.info);
    await expect(a.client.account.create()).rejects.toMatchObject({ code: "account-exists" });
    const fresh = await w.peer("fresh");
    await expect(fresh.client.account.address()).rejects.toBeInstanceOf(ClientError);
  });
});
