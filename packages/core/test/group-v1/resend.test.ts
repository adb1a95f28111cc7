/**
 * Who may read a message sent again after a lost fork (resend.ts, docs/GROUPS.md "Who may read a message").
 * Each test makes two members commit on the same epoch, lets one sender see the commit that will LOSE the
 * fork choice first and send on it, then shows it the winner: the three outcomes of the rule (wait for the
 * removal to be re-applied, send in the fork point's epoch, lost) and who reads the message in each.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { toHex } from "@parley/core";
import type { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import type { GroupEffect } from "../../src/conversations/group-v1/index.js";
import { EncryptedPayloadSchema } from "../../src/wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../src/wire/gen/logoschat/envelope/envelope_pb.js";
import { GroupV1MessageSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { createGroup, keyPackage, type Member, Net, sendText, view } from "./harness.js";

type Queued = Net["queue"][number];

/** Runs `fn` and takes the deliveries it queued out of the network, for the test to hand out itself. */
async function held(net: Net, fn: () => Promise<unknown>): Promise<Queued[]> {
  const n = net.queue.length;
  await fn();
  return net.queue.splice(n);
}

/** `sendText` whose deliveries are held back like `held`. */
async function heldSend(net: Net, m: Member, cid: string, text: string): Promise<{ id: string; items: Queued[] }> {
  let id = "";
  const items = await held(net, async () => {
    id = await sendText(m, cid, text);
  });
  return { id, items };
}

/** The epoch an application message on the topic is encrypted in (GroupV1Message.epoch_ref, in clear). */
function epochRef(item: Queued): string {
  if (item.kind !== "topic") return "";
  const env = fromBinary(EnvelopeV1Schema, item.payload);
  const enc = fromBinary(EncryptedPayloadSchema, env.payload);
  if (enc.encryption.case !== "plaintext") return "";
  return toHex(fromBinary(GroupV1MessageSchema, enc.encryption.value.payload).epochRef);
}

/** Delivers to `to` the items of `items` addressed to it, in order. */
async function deliver(items: Queued[], to: Member): Promise<void> {
  for (const item of items)
    if (item.to === to && item.kind === "topic") await to.onTopic(item.topic, item.payload);
    else if (item.to === to && item.kind === "control")
      await to.run((tx) => to.engine.receiveControl(tx, item.from, item.frame));
}

const deliveryStates = (m: Member, messageId: string) =>
  m.events.flatMap((e: GroupEffect) => (e.kind === "delivery" && e.messageId === messageId ? [e.state] : []));

/** Two commits on the same epoch, by `c` then `d`, their deliveries held; which one loses the fork choice. */
async function fork(net: Net, cid: string, c: Member, first: Step, d: Member, second: Step) {
  const byC = await held(net, () => c.run(first));
  const byD = await held(net, () => d.run(second));
  const cLoses = (await view(c, cid)).epochId > (await view(d, cid)).epochId;
  return { cLoses, loser: cLoses ? byC : byD, winner: cLoses ? byD : byC };
}

type Step = (tx: Transaction) => Promise<GroupEffect[]>;

/** `c` removes `x` while `d` removes `y`, on the same epoch. */
function removals(net: Net, cid: string, [c, x]: [Member, Member], [d, y]: [Member, Member]) {
  const remove =
    (m: Member, who: Member): Step =>
    (tx) =>
      m.engine.removeMembers(tx, cid, [who.identity]);
  return fork(net, cid, c, remove(c, x), d, remove(d, y));
}

/** A settled group of fresh members, created by the first. */
async function group(seed: number, names: string[], options: ConstructorParameters<typeof Net>[1] = {}) {
  const net = new Net(seed, options);
  const ms = await Promise.all(names.map((n) => net.addMember(n)));
  const cid = await createGroup(ms[0]!, ms.slice(1));
  await net.settle();
  return { net, ms, cid };
}

describe("GroupV1: a message sent again after a lost fork is read only by its sender's roster", () => {
  it("waits until the losing branch's removal is re-applied on the winner; the removed member never reads it", async () => {
    const { net, ms, cid } = await group(71, ["a", "b", "c", "d", "x", "y"]);
    const [a, b, c, d, x, y] = ms;
    const { cLoses, loser, winner } = await removals(net, cid, [c!, x!], [d!, y!]);
    const [remover, victim, other] = cLoses ? [c!, x!, y!] : [d!, y!, x!];

    // b sees the losing removal first and sends on it: its roster no longer holds `victim`.
    await deliver(loser, b!);
    expect((await view(b!, cid)).members).not.toContain(victim.identity);
    const { id: messageId, items: sent } = await heldSend(net, b!, cid, "after the removal");
    // Then the winner, where `victim` is still a member: the message waits instead of going out again.
    const before = net.history.get(a!.engine.contentTopic(cid))!.length;
    await deliver(winner, b!);
    expect((await view(b!, cid)).members).toContain(victim.identity);
    expect(net.history.get(a!.engine.contentTopic(cid))!.length).toBe(before);
    expect(deliveryStates(b!, messageId)).toEqual(["waiting"]);

    // Everything else flows: the remover re-commits its removal on the winner, and then the message goes.
    net.queue.push(...sent, ...loser, ...winner);
    await net.settle();
    expect(deliveryStates(b!, messageId)).toEqual(["waiting", "sent"]);
    const v = await view(a!, cid);
    expect(v.members).toEqual([a!, b!, c!, d!].map((m) => m.identity).sort());
    for (const m of [a!, c!, d!]) expect(m.text(cid)).toEqual(["after the removal"]);
    expect(victim.text(cid)).toEqual([]);
    expect(remover.text(cid)).toEqual(["after the removal"]);
    // The member the winner removed was in b's roster: it may read the copy on the losing branch.
    expect(other.text(cid).length).toBeLessThanOrEqual(1);
    expect(net.rejected).toEqual([]);
  });

  it("is given up as lost, and told so, when the removal it waits for never comes (the remover stays away)", async () => {
    const { net, ms, cid } = await group(71, ["a", "b", "c", "d", "x", "y"]);
    const [, b, c, d, x, y] = ms;
    const { cLoses, loser, winner } = await removals(net, cid, [c!, x!], [d!, y!]);
    const [remover, victim] = cLoses ? [c!, x!] : [d!, y!];
    await deliver(loser, b!);
    const { id: messageId } = await heldSend(net, b!, cid, "after the removal");
    await deliver(winner, b!);
    expect(deliveryStates(b!, messageId)).toEqual(["waiting"]);
    // The remover never comes back to re-commit; the group goes quiet. Before the bound it still waits (a
    // quiet group's epochs never become final, so finality alone would keep it `queued` for ever).
    remover.online = false;
    await net.tickAll(25_000, 2);
    expect(deliveryStates(b!, messageId)).toEqual(["waiting"]);
    await net.tickAll(15_000, 1);
    expect(deliveryStates(b!, messageId)).toEqual(["waiting", "lost"]);
    expect(victim.text(cid)).toEqual([]);
    // Given up once: later ticks say nothing more.
    await net.tickAll(60_000, 2);
    expect(deliveryStates(b!, messageId)).toEqual(["waiting", "lost"]);
  });

  it("is lost when the remover itself was removed on the winner, and the member it removed never reads it", async () => {
    const { net, ms, cid } = await group(72, ["a", "b", "c", "x"]);
    const [a, b, c, x] = ms;
    // c removes x while x removes c: whichever wins, the loser's remover is gone from the winner.
    const { cLoses, loser, winner } = await removals(net, cid, [c!, x!], [x!, c!]);
    const excluded = cLoses ? x! : c!;
    await deliver(loser, b!);
    const { id: messageId, items: sent } = await heldSend(net, b!, cid, "without you");
    await deliver(winner, b!);
    expect(deliveryStates(b!, messageId)).toEqual(["lost"]);
    net.queue.push(...sent, ...loser, ...winner);
    await net.settle();
    // The member the losing branch removed is in the group, and never reads what was sent without it.
    expect((await view(a!, cid)).members).toContain(excluded.identity);
    expect(excluded.text(cid)).toEqual([]);
    // a was in b's roster: it reads the copy on the losing branch (every member processes every branch).
    expect(a!.text(cid)).toEqual(["without you"]);
    expect(net.rejected).toEqual([]);
  });

  it("is sent in the fork point's epoch when the winner added someone the sender never saw", async () => {
    const { net, ms, cid } = await group(73, ["a", "b", "c", "d"]);
    const [a, b, c, d] = ms;
    const [n1, n2] = [await net.addMember("n1"), await net.addMember("n2")];
    const forkPoint = await view(a!, cid);
    const [kp1, kp2] = [await keyPackage(n1!), await keyPackage(n2!)];
    const { cLoses, loser, winner } = await fork(
      net,
      cid,
      c!,
      (tx) => c!.engine.addMembers(tx, cid, [kp1]),
      d!,
      (tx) => d!.engine.addMembers(tx, cid, [kp2]),
    );
    const newcomer = cLoses ? n2! : n1!;
    await deliver(loser, b!);
    const { id: messageId, items: sent } = await heldSend(net, b!, cid, "before you");
    await deliver(winner, b!);
    // Sent again at once (no waiting), in the epoch both branches grew from, which the newcomer never held.
    expect(deliveryStates(b!, messageId)).toEqual([]);
    const resent = net.queue.filter((q) => q.to === a);
    expect(resent.map(epochRef)).toEqual([forkPoint.epochId]);
    net.queue.push(...sent, ...loser, ...winner);
    await net.settle();
    const v = await view(a!, cid);
    expect(v.members).toEqual([a!, b!, c!, d!, n1!, n2!].map((m) => m.identity).sort());
    expect(v.epoch).toBe(forkPoint.epoch + 2n);
    for (const m of [a!, c!, d!]) expect(m.text(cid)).toEqual(["before you"]);
    expect(newcomer.text(cid)).toEqual([]);
    expect(net.rejected).toEqual([]);
  });

  it("a member whose removal lost with its remover, and that missed the winning commit, polls and stays in", async () => {
    // c removes x while d removes c. Only when c's commit loses does x stay in the group (its remover is gone),
    // and the fork choice is random (epoch ids are hashes): try until it does.
    for (let attempt = 0; attempt < 20; attempt++) {
      const options = { tailRecoveryMs: 30_000, recoveryIntervalMs: 5_000 };
      const { net, ms, cid } = await group(740 + attempt, ["a", "c", "d", "x"], options);
      const [a, c, d, x] = ms;
      const { cLoses, loser, winner } = await removals(net, cid, [c!, x!], [d!, c!]);
      if (!cLoses) continue;
      // x sees only the losing commit: its head says it was removed; the winner never reaches it directly.
      await deliver(loser, x!);
      expect((await view(x!, cid)).status).toBe("removed");
      net.queue.push(...loser, ...winner.filter((q) => q.to !== x));
      await net.settle();
      // It keeps polling the topic's history for a while, finds the winner and is a member again.
      await net.tickAll(5_000, 2);
      expect((await view(x!, cid)).status).toBe("active");
      expect(await view(x!, cid)).toEqual(await view(a!, cid));
      await sendText(a!, cid, "still with us");
      await net.settle();
      expect(x!.text(cid)).toEqual(["still with us"]);
      return;
    }
    throw new Error("c's commit never lost in 20 attempts");
  });
});
