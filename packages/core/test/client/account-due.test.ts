/**
 * AccountDirectV1 by due time (issue 17), like GroupV1: an idle conversation between accounts is not woken by
 * the sweep, and a change of the account's device list (made on the primary, outside any step of the
 * conversation) makes every conversation of the account due at once, so the revoked device is removed at the
 * next sweep. Wakes are counted on the engine's `tick` for this type's groups; time is a VirtualClock.
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

describe("AccountDirectV1 woken only when due", () => {
  it("idle: not woken; a device revoked on the primary is removed at the next sweep", async () => {
    const w = setup("account-due", {});
    const [a1, a2, b1] = [await w.peer("a1"), await w.peer("a2"), await w.peer("b1")];
    await a1.client.account.create();
    await b1.client.account.create();
    await w.connect(a1, a2);
    await a2.client.account.adoptList(await a1.client.account.addDevice(hexBytes(a2.client.installationKey), "a2"));
    await w.connect(a1, b1);
    const { conversationId: cid } = await a1.client.account.startConversation(await b1.client.account.address());
    await w.until("every device joins", async () =>
      (await Promise.all([a1, a2, b1].map((p) => active(p, cid)))).every(Boolean),
    );
    await a1.client.send(cid, "hello");
    await w.run(150_000); // tail polling, Joined announcements and orphan expiry run out

    const ticks = vi.spyOn(GroupV1Engine.prototype, "tick");
    const accountTicks = () =>
      ticks.mock.contexts.filter((e) => (e as GroupV1Engine).typeName === "AccountDirectV1").length;
    await w.run(120_000); // 120 sweeps
    expect(accountTicks()).toBe(0);

    await a1.client.account.removeDevice(hexBytes(a2.client.installationKey));
    await w.run(1_000); // one sweep
    expect(accountTicks()).toBeGreaterThan(0);
    // Fault-free bus: a2 hears of its removal within the sweep's commit's delivery.
    await w.until(
      "a2 is removed",
      async () => (await a2.client.conversations()).some((c) => c.id === cid && c.status === "removed"),
      2_000,
    );
    for (const p of [a1, a2, b1]) await w.stop(p);
  }, 300_000);
});
