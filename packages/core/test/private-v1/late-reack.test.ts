/**
 * A message delivered long ago whose acknowledgements were all lost, resent once the receiver's SDS `known` window
 * (1,000 ids, sent and delivered) has moved past it. The receiver recognises the resend by its receipt, but SDS
 * owed an acknowledgement again only for an id still in the window, so the message was never acknowledged: its
 * sender resent it until its give-up bound, then called a delivered message lost. Found by the kill model (the
 * side that started the conversation killed, seed 306: 7 messages `possibly-acked` for ever).
 */
import { describe, expect, it } from "vitest";
import { deliveryStates, errors, messages, started, world } from "../client/harness.js";

describe("PrivateV1: a resend of a message whose id left the receiver's window", () => {
  it("is acknowledged again", async () => {
    const w = world("late-reack");
    const config = { sweepIntervalMs: 1_000, resendAfterMs: 10_000, ackDelayMs: 200 };
    const alice = await w.peer("alice", config);
    const bob = await w.peer("bob", config);
    const { conversationId: aConv } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(5_000);
    const bConv = started(bob)[0]!.conversationId;
    // Bob gets "x", but nothing he sends reaches Alice while he sends more than his window holds.
    w.bus.setLinkFaults("bob", "alice", { drop: 1 });
    const { messageId: x } = await alice.client.send(aConv, "x");
    // Three more: Bob's own messages cite only the last three he holds, so none of them cites "x".
    for (const t of ["y1", "y2", "y3"]) await alice.client.send(aConv, t);
    await w.run(2_000);
    expect(messages(bob)).toEqual(["hello", "x", "y1", "y2", "y3"]);
    const n = 1_010;
    for (let i = 0; i < n; i++) await bob.client.send(bConv, `b${i}`);
    await w.run(2_000);
    w.bus.setLinkFaults("bob", "alice", undefined);
    await w.run(60 * 60_000, 2_000);
    expect(messages(alice)).toHaveLength(n);
    expect(deliveryStates(alice, x)).toContain("acked");
    expect(messages(bob)).toEqual(["hello", "x", "y1", "y2", "y3"]);
    expect([...errors(alice), ...errors(bob)]).toEqual([]);
  }, 120_000);
});
