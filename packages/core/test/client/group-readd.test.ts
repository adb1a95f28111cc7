/**
 * Issue #11 item 5: a member who left or was removed can be added again, any number of times.
 */
import { describe, expect, it } from "vitest";
import { converged, expectExactly, groupMessages, groupOf, hasGroup, setup } from "./group-world.js";

describe("GroupV1 re-add after leave or remove", () => {
  it("re-adds a removed member and a member who left", async () => {
    const w = setup("readd-repro");
    const [alice, bob, carol] = [await w.peer("alice"), await w.peer("bob"), await w.peer("carol")];
    await w.connect(alice, bob);
    await w.connect(alice, carol);
    await w.connect(bob, carol);
    const cid = await groupOf(w, alice, [bob, carol], "readd");

    await alice.client.removeGroupMembers(cid, [bob.client.installationKey]);
    await w.until("bob removed", () => converged([alice, carol], cid, [alice, carol]));
    await w.until("bob told", () => bob.events.some((e) => e.type === "removed"));
    await alice.client.addGroupMembers(cid, [bob.client.installationKey]);
    await w.until("bob back", async () => (await hasGroup(bob, cid)) && converged([alice, bob, carol], cid, [alice, bob, carol]));

    await carol.client.leaveGroup(cid);
    await w.until("carol gone", () => converged([alice, bob], cid, [alice, bob]));
    await bob.client.addGroupMembers(cid, [carol.client.installationKey]);
    await w.until("carol back", async () => (await hasGroup(carol, cid)) && converged([alice, bob, carol], cid, [alice, bob, carol]));
    await carol.client.send(cid, "back again");
    await w.until("heard", () => groupMessages(alice, cid).length >= 1 && groupMessages(bob, cid).length >= 1);
    expectExactly(alice, cid, ["back again"]);
  }, 120_000);
});
