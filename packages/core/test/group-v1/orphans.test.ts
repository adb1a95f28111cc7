/**
 * The orphan buffer's bounds (count and bytes per conversation, count per epoch ref, expiry) and the group
 * record since version 2, which holds no orphans: a version-1 record that held some decodes without them.
 */
import { describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../src/base/bytes.js";
import {
  DEFAULT_ORPHAN_LIMITS,
  type Evictions,
  type Orphan,
  OrphanBuffer,
} from "../../src/conversations/group-v1/orphans.js";
import { decodeMeta, encodeMeta, META_VERSION, metaKey, NS } from "../../src/conversations/group-v1/records.js";
import { createGroup, type MapStore, Net, sendText } from "./harness.js";

const limits = {
  ...DEFAULT_ORPHAN_LIMITS,
  maxCount: 4,
  maxBytes: 1000,
  maxTotalBytes: 1500,
  maxPerRef: 2,
  ttlMs: 10_000,
};
/** One conversation's evictions as [reason, count] pairs. */
const of = (e: Evictions, cid = "c") => [...(e.get(cid) ?? [])];
let n = 0;
const orphan = (ref: string, size: number, at = 0, epoch = 5n): Orphan => ({
  ref,
  epoch,
  hash: `h${n++}`,
  payload: new Uint8Array(size),
  arrived: at,
  stuckSince: at,
});

describe("OrphanBuffer", () => {
  it("bounds count per epoch ref, count and bytes per conversation; evicts the oldest and says why", () => {
    const b = new OrphanBuffer(limits);
    expect(of(b.add("c", orphan("r1", 10)))).toEqual([]);
    b.add("c", orphan("r1", 10));
    expect(of(b.add("c", orphan("r1", 10)))).toEqual([["epoch-ref-full", 1]]);
    b.add("c", orphan("r2", 10));
    b.add("c", orphan("r3", 10));
    expect(b.size("c").count).toBe(4);
    expect(of(b.add("c", orphan("r4", 10)))).toEqual([["conversation-full", 1]]);
    expect(of(b.add("c", orphan("r5", 900)))).toEqual([["conversation-full", 1]]);
    expect(b.size("c")).toEqual({ count: 4, bytes: 930 });
    // The byte bound: three more of the oldest go.
    expect(of(b.add("c", orphan("r6", 100)))).toEqual([["conversation-full", 3]]);
    expect(b.size("c")).toEqual({ count: 2, bytes: 1000 });
    // Other conversations have their own bounds; over all of them, the fullest gives way first.
    b.add("d", orphan("r1", 10));
    expect(b.size("d").count).toBe(1);
    const total = b.add("d", orphan("r2", 495));
    expect(of(total, "c")).toEqual([["buffer-full", 1]]);
    expect(of(total, "d")).toEqual([]);
    expect(b.size().bytes).toBeLessThanOrEqual(1500);
    // An eviction is remembered once, with the earliest arrival, for the history fetch.
    expect(b.takeLostSince("c")).toBe(0);
    expect(b.takeLostSince("c")).toBeUndefined();
  });

  it("expires after the TTL, drops final epochs without asking history, releases by ref", () => {
    const b = new OrphanBuffer(limits);
    b.add("c", orphan("r1", 10, 0));
    b.add("c", orphan("r2", 10, 5_000, 2n));
    b.add("c", orphan("r3", 10, 6_000));
    expect(of(b.sweep("c", 9_999))).toEqual([]);
    expect(of(b.sweep("c", 10_000))).toEqual([["expired", 1]]);
    expect(of(b.sweep("c", 10_000, 3n))).toEqual([["epoch-final", 1]]);
    expect(b.take("c", "r3").map((o) => o.ref)).toEqual(["r3"]);
    expect(b.size("c")).toEqual({ count: 0, bytes: 0 });
    expect(of(b.clear("c"))).toEqual([]);
  });
});

describe("group record versions", () => {
  it("version 2 holds no orphans; a version-1 record with orphans decodes without them", () => {
    const v1 = {
      conversationId: "ab".repeat(16),
      suite: 3,
      self: "00",
      status: "active",
      head: "e1",
      nodes: [{ id: "e1", parent: "", epoch: { $big: "4" }, removed: false, committer: "", rev: "x" }],
      confirmed: [],
      intents: [],
      outbox: [],
      seen: [],
      commits: [],
      echoes: [],
      orphans: [{ ref: "ff".repeat(16), epoch: { $big: "5" }, hash: "aa", payload: "00".repeat(100_000), at: 1 }],
      lamport: 0,
      recent: [],
      missing: [],
      leaving: [],
      lastRecovery: 0,
      announced: [],
      createdAt: 1,
    };
    const meta = decodeMeta(utf8(JSON.stringify(v1)))!;
    expect(meta.version).toBe(META_VERSION);
    expect("orphans" in meta).toBe(false);
    expect(meta.nodes[0]!.epoch).toBe(4n);
    const again = encodeMeta(meta);
    expect(again.length).toBeLessThan(1_000);
    expect(decodeMeta(again)).toEqual(meta);
    // A version this code does not know is not guessed at.
    expect(decodeMeta(utf8(JSON.stringify({ ...v1, version: META_VERSION + 1 })))).toBeUndefined();
  });
});

describe("a stored version-1 group record", () => {
  it("is read by this version: the group goes on, and the next write is the current version, without orphans", async () => {
    const net = new Net(19);
    const [a, b] = [await net.addMember("a"), await net.addMember("b")];
    const cid = await createGroup(a!, [b!]);
    await net.settle();
    // b's record as version 1 wrote it: no version field, orphans (with payloads) inside.
    const store = b!.store as MapStore;
    const key = `${NS}\u0000${metaKey(cid)}`;
    const v2 = JSON.parse(fromUtf8(store.data.get(key)!)!);
    delete v2.version;
    v2.orphans = [{ ref: "ff".repeat(16), epoch: { $big: "9" }, hash: "aa", payload: "00".repeat(50_000), at: 1 }];
    store.data.set(key, utf8(JSON.stringify(v2)));
    await sendText(a!, cid, "after the upgrade");
    await net.settle();
    expect(b!.text()).toContain("after the upgrade");
    const written = JSON.parse(fromUtf8(store.data.get(key)!)!);
    expect(written.version).toBe(META_VERSION);
    expect(written.orphans).toBeUndefined();
    expect(store.data.get(key)!.length).toBeLessThan(10_000);
  });
});
