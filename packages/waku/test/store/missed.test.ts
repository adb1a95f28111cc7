import { randomBytes } from "node:crypto";
import { MemoryStore } from "@parley/core/testing";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { afterEach, describe, expect, it } from "vitest";
import { MessageArchive, msToNs, type WakuDelivery, type WakuDeliveryOptions } from "../../src/index.js";
import { Inbox, startDelivery, text } from "../helpers/memory-nodes.js";

const ALICE = "/logos-chat/1/alice/proto";
const OTHER = "/logos-chat/1/other/proto";
/** Long enough that no timed check runs during a test that calls `checkMissed` itself. */
const MANUAL = { intervalMs: 3_600_000 };

const running: WakuDelivery[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

const start = (options: WakuDeliveryOptions): Promise<WakuDelivery> => startDelivery(running, options);

/** A service node with an archive, and a way to put a message in its Store that relay never carried. */
async function service() {
  const archive = new MessageArchive(new MemoryStore());
  const node = await start({ listen: [`/memory/missed-${randomBytes(4).toString("hex")}`], archive });
  const storeOnly = (contentTopic: string, body: string, at = Date.now()) =>
    archive.insert(node.pubsubTopicOf(contentTopic), {
      payload: text(body),
      contentTopic,
      version: 0,
      timestamp: msToNs(at),
    });
  return { node, addr: node.multiaddrs()[0]!.toString(), storeOnly };
}

describe("missed-message check (relay lost a message; the Store peer has it)", () => {
  it("delivers what relay missed once, never what relay brought, only on subscribed topics and since it listened", async () => {
    const s = await service();
    // Published before Bob listened: his application's catch-up reads it, not a check.
    expect(await s.storeOnly(ALICE, "before", Date.now() - 1_000)).toBe(true);
    const bob = await start({ bootstrap: [s.addr], missedMessages: MANUAL });
    const inbox = new Inbox();
    await bob.subscribe(ALICE, inbox.handler);
    const alice = await start({ bootstrap: [s.addr] });
    expect(await bob.waitForPeers(ALICE, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await alice.waitForPeers(ALICE, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await s.node.waitForPeers(ALICE, 2, HUNG_AFTER_MS)).toBe(true);
    expect((await alice.publish(ALICE, text("live"))).ok).toBe(true);
    await inbox.waitFor(1);

    expect(await s.storeOnly(ALICE, "missed")).toBe(true);
    expect(await s.storeOnly(OTHER, "not mine")).toBe(true);
    expect(await bob.checkMissed()).toBe(1);
    expect(inbox.texts()).toEqual(["live", "missed"]);
    // A second check finds the same window and delivers nothing again.
    expect(await bob.checkMissed()).toBe(0);
    expect(inbox.texts()).toEqual(["live", "missed"]);
    expect(bob.recoveredMessages).toBe(1);
  });

  it("runs by itself at its interval", async () => {
    const s = await service();
    const bob = await start({ bootstrap: [s.addr], missedMessages: { intervalMs: 100 } });
    const inbox = new Inbox();
    await bob.subscribe(ALICE, inbox.handler);
    await s.storeOnly(ALICE, "missed");
    const [m] = await inbox.waitFor(1);
    expect(new TextDecoder().decode(m!.payload)).toBe("missed");
    // Later checks do not deliver it again: wait until at least two more have run.
    const before = bob.recoveredMessages;
    await s.storeOnly(ALICE, "second");
    await inbox.waitFor(2);
    await s.storeOnly(ALICE, "third");
    await inbox.waitFor(3);
    expect(inbox.texts()).toEqual(["missed", "second", "third"]);
    expect(bob.recoveredMessages).toBe(before + 2);
  });

  it("is off unless asked for, and a check without a Store peer delivers nothing and does not throw", async () => {
    const s = await service();
    const plain = await start({ bootstrap: [s.addr] });
    const inbox = new Inbox();
    await plain.subscribe(ALICE, inbox.handler);
    await s.storeOnly(ALICE, "missed");
    expect(await plain.checkMissed()).toBe(0);
    expect(inbox.received).toHaveLength(0);

    const lonely = await start({ missedMessages: MANUAL });
    await lonely.subscribe(ALICE, inbox.handler);
    expect(await lonely.checkMissed()).toBe(0);
    expect(inbox.received).toHaveLength(0);
  });
});
