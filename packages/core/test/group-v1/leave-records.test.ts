/**
 * Leave requests as stored in the meta record. Since issue #11 item 5 an entry names the leaf that asked (its
 * signature key): a request is void once that leaf is gone, so one that arrives after its sender was removed and
 * added again cannot remove the new leaf. Records written before hold no key, and such a request still applies.
 */
import { describe, expect, it } from "vitest";
import { decodeMeta, encodeMeta, metaKey, NS } from "../../src/conversations/group-v1/records.js";
import { Transaction } from "../../src/framework/store.js";
import { createGroup, type Member, Net, view } from "./harness.js";

async function addLeaving(m: Member, cid: string, entry: { identity: string; since: number; key?: string }) {
  const tx = new Transaction(m.store);
  const meta = decodeMeta((await tx.get(NS, metaKey(cid)))!)!;
  tx.put(NS, metaKey(cid), encodeMeta({ ...meta, leaving: [...meta.leaving, entry] }));
  await tx.commit();
}

describe("GroupV1 leave records", () => {
  it("a request naming another leaf of the member is void; one without a key (older records) applies", async () => {
    const net = new Net(71);
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => net.addMember(n)));
    const cid = await createGroup(a!, [b!, c!]);
    await net.settle();
    const members = async () => (await view(a!, cid)).members.sort();

    // A request from a leaf c no longer has (a late one from before a re-add): nothing happens.
    await addLeaving(a!, cid, { identity: c!.identity, since: net.clock.now(), key: "00".repeat(32) });
    await a!.run((tx) => a!.engine.tick(tx));
    await net.settle();
    expect(await members()).toEqual([a!.identity, b!.identity, c!.identity].sort());
    const meta = decodeMeta((await a!.store.get(NS, metaKey(cid)))!)!;
    expect(meta.leaving).toEqual([]);

    // The same request as an older version stored it, without a key: a (the designated member) removes c.
    await addLeaving(a!, cid, { identity: c!.identity, since: net.clock.now() });
    await a!.run((tx) => a!.engine.tick(tx));
    await net.settle();
    expect(await members()).toEqual([a!.identity, b!.identity].sort());
    expect((await view(b!, cid)).members.sort()).toEqual([a!.identity, b!.identity].sort());
  });
});
