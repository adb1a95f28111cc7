import { randomBytes } from "node:crypto";
import { MemoryStore } from "@parley/core/testing";
import { eventually, HUNG_AFTER_MS } from "@parley/test-support/patience";
import { afterEach, describe, expect, it } from "vitest";
import { MessageArchive, type WakuDelivery, type WakuDeliveryOptions, WakuError } from "../../src/index.js";
import { Inbox, startDelivery, text } from "../helpers/memory-nodes.js";

const ALICE = "/logos-chat/1/alice/proto";
const BOB = "/logos-chat/1/bob/proto";
const OTHER = "/other/1/x/proto";

const running: WakuDelivery[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

const start = (options: WakuDeliveryOptions): Promise<WakuDelivery> => startDelivery(running, options);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("Store v3 over the memory transport", () => {
  it("a client that was offline fetches what it missed, oldest first, across pages and shards", async () => {
    const run = randomBytes(4).toString("hex");
    const archive = new MessageArchive(new MemoryStore());
    const service = await start({ listen: [`/memory/store-${run}`], archive });
    const addr = service.multiaddrs()[0]!.toString();
    const alice = await start({ bootstrap: [addr] });
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) {
      const topic = i % 3 === 0 ? BOB : i % 3 === 1 ? ALICE : OTHER;
      const r = await alice.publish(topic, text(`${topic}#${i}`));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      sent.push(`${topic}#${i}`);
    }
    // The service archives as it relays: wait until all 25 are in.
    await eventually("the archive holds all 25", async () => (await archive.count()) >= 25);
    expect(await archive.count()).toBe(25);

    const bob = await start({ bootstrap: [addr] });
    const got = await collect(bob.history({ contentTopics: [BOB, ALICE, OTHER], pageSize: 4 }));
    expect(got.map((m) => new TextDecoder().decode(m.payload))).toEqual(sent);
    expect(new Set(got.map((m) => m.hash)).size).toBe(25);
    // Only what was asked for.
    const onlyBob = await collect(bob.history({ contentTopics: [BOB] }));
    expect(onlyBob.map((m) => new TextDecoder().decode(m.payload))).toEqual(sent.filter((s) => s.startsWith(BOB)));
    // Time range by sender timestamp, inclusive.
    const mid = got[10]!.timestamp;
    const later = await collect(bob.history({ contentTopics: [BOB, ALICE, OTHER], startTime: mid }));
    expect(later.length).toBeGreaterThanOrEqual(15);
    expect(later.every((m) => m.timestamp >= mid)).toBe(true);
  });

  it("history hashes equal the hashes live subscribers saw", async () => {
    const run = randomBytes(4).toString("hex");
    const archive = new MessageArchive(new MemoryStore());
    const service = await start({ listen: [`/memory/store-${run}`], archive });
    const addr = service.multiaddrs()[0]!.toString();
    const live = new Inbox();
    const bob = await start({ bootstrap: [addr] });
    await bob.subscribe(ALICE, live.handler);
    const alice = await start({ bootstrap: [addr] });
    expect(await bob.waitForPeers(ALICE, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await alice.waitForPeers(ALICE, 1, HUNG_AFTER_MS)).toBe(true);
    expect(await service.waitForPeers(ALICE, 2, HUNG_AFTER_MS)).toBe(true);
    const r = await alice.publish(ALICE, text("hello"));
    expect(r.ok).toBe(true);
    const [m] = await live.waitFor(1);
    const [h] = await collect(bob.history({ contentTopics: [ALICE] }));
    expect(h?.hash).toBe(m!.hash);
    expect(r.ok && r.hash).toBe(m!.hash);
  });

  it("history without any store peer fails with a typed error", async () => {
    const lonely = await start({});
    await expect(collect(lonely.history({ contentTopics: [ALICE] }))).rejects.toBeInstanceOf(WakuError);
    const plain = await start({ listen: [`/memory/plain-${randomBytes(4).toString("hex")}`] });
    const client = await start({ bootstrap: [plain.multiaddrs()[0]!.toString()] });
    await expect(collect(client.history({ contentTopics: [ALICE] }))).rejects.toMatchObject({
      code: "store-unavailable",
    });
  });
});
