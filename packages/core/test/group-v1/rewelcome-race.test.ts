/**
 * Re-welcomes that race (docs/GROUPS.md, "Re-welcome"): a member behind a gap asks one member after another,
 * each with a fresh key package, so several may answer. Whichever fresh leaf lands first ends every request:
 * the others must not remove it again to put in their own (each re-add made the others' pending once more, and
 * five members under loss re-added each other without end), and a removal that won meanwhile is not undone.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GroupControlFrameSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { createGroup, keyPackage, type Member, Net, sendText, view } from "./harness.js";

/** The RewelcomeRequest `m` sends for `cid`, with a fresh key package. */
async function rewelcomeRequest(m: Member, cid: string): Promise<Uint8Array> {
  const kp = await keyPackage(m);
  return toBinary(
    GroupControlFrameSchema,
    create(GroupControlFrameSchema, {
      control: { case: "rewelcomeRequest", value: { conversationId: cid, keyPackage: kp } },
    }),
  );
}

/** Runs `fn` with the deliveries it queues held back, then returns them to the network. */
async function concurrently(net: Net, steps: (() => Promise<unknown>)[]): Promise<void> {
  const held: Net["queue"] = [];
  for (const step of steps) {
    const n = net.queue.length;
    await step();
    held.push(...net.queue.splice(n));
  }
  net.queue.push(...held);
}

describe("GroupV1 re-welcomes that race", () => {
  for (const seed of [1, 2, 3, 4])
    it(`two members answering one member's requests re-add it once between them (seed ${seed})`, async () => {
      const net = new Net(seed);
      const [a, b, c, d] = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
      const cid = await createGroup(a!, [b!, c!, d!]);
      await net.settle();
      const before = (await view(a!, cid)).epoch;
      const [toA, toB] = [await rewelcomeRequest(c!, cid), await rewelcomeRequest(c!, cid)];
      // Both answer before either sees the other's commit: two commits on the same epoch.
      await concurrently(net, [
        () => a!.run((tx) => a!.engine.receiveControl(tx, c!.identity, toA)),
        () => b!.run((tx) => b!.engine.receiveControl(tx, c!.identity, toB)),
      ]);
      await net.settle();
      const views = await Promise.all([a, b, c, d].map((m) => view(m!, cid)));
      for (const v of views) expect(v).toEqual(views[0]);
      // The fork choice keeps one of the two; the loser does not re-add c once more on top of it.
      expect(views[0]!.epoch).toBe(before + 1n);
      expect(views[0]!.members).toHaveLength(4);
      for (const m of [a, b, c, d]) await sendText(m!, cid, `after:${m!.name}`);
      await net.settle();
      for (const m of [a, b, c, d]) expect(m!.text(cid).filter((t) => t.startsWith("after:"))).toHaveLength(3);
    });

  for (const seed of [5, 6, 7, 8])
    it(`a removal that races a re-welcome is not undone by it (seed ${seed})`, async () => {
      const net = new Net(seed);
      const [a, b, c, d] = await Promise.all(["a", "b", "c", "d"].map((n) => net.addMember(n)));
      const cid = await createGroup(a!, [b!, c!, d!]);
      await net.settle();
      const request = await rewelcomeRequest(c!, cid);
      await concurrently(net, [
        () => a!.run((tx) => a!.engine.receiveControl(tx, c!.identity, request)),
        () => b!.run((tx) => b!.engine.removeMembers(tx, cid, [c!.identity])),
      ]);
      await net.settle();
      const views = await Promise.all([a, b, d].map((m) => view(m!, cid)));
      for (const v of views) expect(v).toEqual(views[0]);
      expect(views[0]!.members).toEqual([a!, b!, d!].map((m) => m.identity).sort());
      expect((await view(c!, cid)).status).toBe("removed");
    });
});
