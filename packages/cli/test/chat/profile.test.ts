import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryDelivery, VirtualClock } from "@parley/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { fromClientEvent } from "../../src/chat/events.js";
import { Profile } from "../../src/profile.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("profile catch-up from history", () => {
  it("an invite and the follow-ups sent an hour before the profile came online arrive once, in order", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parley-cli-profile-"));
    dirs.push(dataDir);
    const clock = new VirtualClock();
    const crypto = new NodeCryptoProvider();
    const net = new MemoryDelivery({ crypto, clock, seed: "profile-catch-up" });
    const open = (name: string, endpoint: string) =>
      Profile.open({ dataDir, name, delivery: net.endpoint(endpoint), clock, autoSweep: false });

    // Bob hands out his bundle and goes away.
    const bob0 = await open("bob", "bob-0");
    const bundle = await bob0.bundle();
    await bob0.markOnline();
    await bob0.close();
    net.endpoint("bob-0").close();

    // Alice starts the conversation and writes twice more while Bob is away.
    const alice = await open("alice", "alice");
    const first = await alice.start(bundle, "first");
    await alice.send(first.conversationId, "second");
    await alice.send(first.conversationId, "third");
    await clock.runUntilIdleAsync();

    // An hour later (beyond the Client's own 10-minute backfill of a new conversation), Bob comes back.
    clock.advance(3600_000);
    const bob = await open("bob", "bob-1");
    const texts: string[] = [];
    bob.client.onEvent((e) => {
      const c = fromClientEvent(e);
      if (c.type === "message") texts.push(c.text);
    });
    const r = await bob.catchUp();
    await clock.runUntilIdleAsync();
    await bob.client.idle();
    expect(texts).toEqual(["first", "second", "third"]);
    expect(r.readable).toBe(3);
    // Nothing twice: a second catch-up reads the same history and finds nothing new.
    const again = await bob.catchUp();
    expect(again.readable).toBe(0);
    expect(texts).toEqual(["first", "second", "third"]);
    const [conv] = await bob.conversations();
    expect((await bob.history(conv!.id, 10)).map((h) => h.text)).toEqual(["first", "second", "third"]);
    await bob.close();
    await alice.close();
  });
});
