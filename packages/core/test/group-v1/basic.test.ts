import { Transaction } from "@parley/core";
import { describe, expect, it } from "vitest";
import { createGroup, Net, sendText, view } from "./harness.js";

describe("GroupV1 basics", () => {
  it("creates a group of 3 in one commit and delivers messages with verified senders", async () => {
    const net = new Net(1);
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const cid = await createGroup(a!, [b!, c!], "friends");
    await net.settle();
    const va = await view(a!, cid);
    expect(va.epoch).toBe(1n);
    expect(va.members).toHaveLength(3);
    expect(await view(b!, cid)).toEqual(va);
    expect(await view(c!, cid)).toEqual(va);
    expect(va.name).toBe("friends");
    await sendText(b!, cid, "hello from b");
    await net.settle();
    expect(a!.inbox).toEqual([expect.objectContaining({ text: "hello from b", sender: b!.identity })]);
    expect(c!.text()).toEqual(["hello from b"]);
    expect(b!.text()).toEqual([]);
  });

  it("shows joiners as pending until their Joined frame arrives", async () => {
    const net = new Net(2);
    const [a, b] = [await net.addMember("a"), await net.addMember("b")];
    const cid = await createGroup(a!, [b!]);
    const before = await a!.engine.members(new Transaction(a!.store), cid);
    expect(before.find((m) => m.identity === b!.identity)?.state).toBe("pending");
    await net.settle();
    const after = await a!.engine.members(new Transaction(a!.store), cid);
    expect(after.find((m) => m.identity === b!.identity)?.state).toBe("member");
  });
});
