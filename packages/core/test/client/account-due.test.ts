/**
 * The types of accounts by due time (issue 17), like GroupV1: an idle conversation between accounts, group of
 * accounts or account's own group (AccountDirectV1, AccountGroupV1, AccountSelfV1) is not woken by the sweep,
 * and a change of the account's device list (made on the primary, outside any step of the conversation) makes
 * every conversation of the account due at once, so the revoked device is removed from each at the next sweep.
 * Wakes are counted on the engine's `tick` per type; time is a VirtualClock.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupV1Engine } from "../../src/conversations/group-v1/engine.js";
import { type Peer, setup } from "./group-world.js";

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));

async function active(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.conversations()).some((c) => c.id === cid && c.status === "active");
}

afterEach(() => {
  vi.restoreAllMocks();
});

type World = ReturnType<typeof setup>;

/**
 * Account a (devices a1, a2) and account b (b1): an AccountDirectV1 conversation between them, an AccountGroupV1
 * group of both, and a's AccountSelfV1 group; resolves once a2 is active in all three.
 */
async function threeTypes(w: World) {
  const [a1, a2, b1] = [await w.peer("a1"), await w.peer("a2"), await w.peer("b1")];
  await a1.client.account.create();
  await b1.client.account.create();
  await w.connect(a1, a2);
  await a2.client.account.adoptList(await a1.client.account.addDevice(hexBytes(a2.client.installationKey), "a2"));
  await w.connect(a1, b1);
  await w.connect(a2, b1);
  const direct = (await a1.client.account.startConversation(await b1.client.account.address())).conversationId;
  const group = await b1.client.account.groups.create({ name: "g", addresses: [await a1.client.account.address()] });
  await w.until("a2 is in the direct conversation, the group and the account's own group", async () => {
    const [self1, self2] = [await a1.client.account.self.group(), await a2.client.account.self.group()];
    return (
      (await Promise.all([direct, group].map((cid) => active(a2, cid)))).every(Boolean) &&
      self1 !== undefined &&
      self2?.id === self1.id &&
      self2.status === "active"
    );
  });
  const self = (await a1.client.account.self.group())!.id;
  return { a1, a2, b1, direct, group, self };
}

const TYPES = ["AccountDirectV1", "AccountGroupV1", "AccountSelfV1"] as const;

describe("types of accounts woken only when due", () => {
  it("idle: none of the three woken; a device revoked on the primary is removed from each at the next sweep", async () => {
    const w = setup("account-due-all", {});
    const { a1, a2, b1, direct, group, self } = await threeTypes(w);
    await a1.client.send(direct, "hello");
    await b1.client.send(group, "hello all");
    await w.run(150_000); // tail polling, Joined announcements and orphan expiry run out

    const ticks = vi.spyOn(GroupV1Engine.prototype, "tick");
    const ticksOf = (type: string) => ticks.mock.contexts.filter((e) => (e as GroupV1Engine).typeName === type).length;
    await w.run(120_000); // 120 sweeps
    for (const type of TYPES) expect(ticksOf(type), type).toBe(0);

    await a1.client.account.removeDevice(hexBytes(a2.client.installationKey));
    await w.run(1_000); // one sweep
    for (const type of TYPES) expect(ticksOf(type), type).toBeGreaterThan(0);
    // Fault-free bus: a2 hears of its removal from each within the sweep's commits' delivery.
    await w.until(
      "a2 is removed from all three",
      async () => {
        const mine = await a2.client.conversations();
        const all = [...mine, (await a2.client.account.self.group())!];
        return [direct, group, self].every((cid) => all.some((c) => c.id === cid && c.status === "removed"));
      },
      2_000,
    );
    for (const p of [a1, a2, b1]) await w.stop(p);
  }, 300_000);

  it("a virtual day idle costs a few wakes; then each of the three still carries messages and a revocation", async () => {
    const w = setup("account-due-day", {});
    const { a1, a2, b1, direct, group, self } = await threeTypes(w);
    const ticks = vi.spyOn(GroupV1Engine.prototype, "tick");
    await w.run(24 * 3_600_000); // 86,400 sweeps on each of the three clients
    // The tail windows, Joined announcements and orphan expiry of the first minutes only (69 in a run here).
    expect(ticks.mock.calls.length).toBeLessThan(200);
    await a2.client.send(direct, "after a day");
    await b1.client.send(group, "the group after a day");
    const got = (p: Peer, cid: string) => p.events.some((e) => e.type === "message" && e.conversationId === cid);
    await w.until(
      "both reach every other device",
      () => [a1, b1].every((p) => got(p, direct)) && [a1, a2].every((p) => got(p, group)),
    );
    await a1.client.account.removeDevice(hexBytes(a2.client.installationKey));
    await w.until("a2 is removed from all three", async () => {
      const all = [...(await a2.client.conversations()), (await a2.client.account.self.group())!];
      return [direct, group, self].every((cid) => all.some((c) => c.id === cid && c.status === "removed"));
    });
    for (const p of [a1, a2, b1]) await w.stop(p);
  }, 300_000);

  it("a listed device that never answers costs a few wakes, not one every sweep", async () => {
    const w = setup("account-due-silent", {});
    const { a1, a2, b1 } = await threeTypes(w);
    // A third device is listed, but it is gone before it ever answers a key-package request.
    const a3 = await w.peer("a3");
    await w.connect(a1, a3);
    await w.connect(a2, a3);
    await w.stop(a3);
    const list = await a1.client.account.addDevice(hexBytes(a3.client.installationKey), "a3");
    await a2.client.account.adoptList(list);
    await w.run(150_000); // key-package timeouts and tail polling run out

    const ticks = vi.spyOn(GroupV1Engine.prototype, "tick");
    const ticksOf = (type: string) => ticks.mock.contexts.filter((e) => (e as GroupV1Engine).typeName === type).length;
    await w.run(120_000); // 120 sweeps
    // Each type's groups on a1 and a2: the waits for a3 are timers, not a wake every sweep.
    for (const type of TYPES) expect(ticksOf(type), type).toBeLessThan(24);
    for (const p of [a1, a2, b1]) await w.stop(p);
  }, 300_000);
});
