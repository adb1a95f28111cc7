/**
 * The first message travels in the invite, and the invite is resent until that message is acknowledged. Once the
 * peer holds the conversation, a copy of the invite is refused there as one it already took
 * (`conversation-exists`), so if every acknowledgement of the first message was lost (the peer killed after its
 * commit, links dropping), the first message stayed unacknowledged for ever: found by the in-process kill model
 * (seed 23), and one of the stalls of the SIGKILL test. Once the peer has answered, the resend is sealed in the
 * conversation instead, a duplicate the peer acknowledges.
 */
import { describe, expect, it } from "vitest";
import { deliveryStates, errors, messages, started, world } from "../client/harness.js";

describe("PrivateV1: the invite's message whose acknowledgements were lost", () => {
  it("is acknowledged by a resend sealed in the conversation once the peer has answered", async () => {
    const w = world("invite-ack");
    const config = { sweepIntervalMs: 1_000, resendAfterMs: 10_000, ackDelayMs: 200 };
    const alice = await w.peer("alice", config);
    const bob = await w.peer("bob", config);
    // Everything Bob sends is lost while Alice's first messages reach him: his acknowledgements never arrive.
    w.bus.setLinkFaults("bob", "alice", { drop: 1 });
    const { conversationId, messageId: hello } = await alice.client.startConversation(
      await bob.client.introBundle(),
      "hello",
    );
    await w.run(2_000);
    for (let i = 0; i < 5; i++) await alice.client.send(conversationId, `a${i}`);
    await w.run(2_000);
    expect(messages(bob)).toEqual(["hello", "a0", "a1", "a2", "a3", "a4"]);
    // Bob's later acknowledgements cite only what he got last: "hello" needs its resend acknowledged.
    w.bus.setLinkFaults("bob", "alice", undefined);
    await w.run(30 * 60_000, 1_000);
    expect(deliveryStates(alice, hello)).toContain("acked");
    expect(messages(bob)).toEqual(["hello", "a0", "a1", "a2", "a3", "a4"]);
    expect(started(bob)).toHaveLength(1);
    expect([...errors(alice), ...errors(bob)]).toEqual([]);
  });
});
