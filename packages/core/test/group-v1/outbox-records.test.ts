/**
 * Record version 4: the outbox is one record per sent message (namespace `group-v1-out`) and the seen,
 * processed and echo ids are ring-bounded record sets (`group-v1-ids`), so a step writes the same bytes
 * whatever the history. A version-3 record (outbox and id lists inside it) is moved into those records by the
 * first step that writes, and its outbox entries are still sent again when their epoch loses the fork choice.
 */
import { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../src/base/bytes.js";
import { RecordBuffer } from "../../src/conversations/group-v1/record-buffer.js";
import {
  decodeJson,
  decodeMeta,
  decodeOutboxEntry,
  encodeJson,
  encodeMeta,
  IDS_NS,
  metaKey,
  NS,
  OUTBOX_NS,
  type SetCounters,
} from "../../src/conversations/group-v1/records.js";
import { StoredSet } from "../../src/conversations/group-v1/stored-set.js";
import { createGroup, MapStore, type Member, Net, sendText, view } from "./harness.js";

/** A MapStore that counts the bytes of every committed op (namespace, key, value). */
class CountingMapStore extends MapStore {
  bytes = 0;
  override async commit(ops: readonly { op: string; ns: string; key: string; value?: Uint8Array }[]) {
    for (const o of ops) this.bytes += o.ns.length + o.key.length + (o.value?.length ?? 0);
    return super.commit(ops);
  }
}

const rowsOf = (store: MapStore, ns: string) => [...store.data.keys()].filter((k) => k.startsWith(`${ns}\u0000`));

/**
 * Rewrites a member's stored group as version 3 wrote it: the outbox entries (without `seq`) and the seen,
 * processed and echo ids (oldest first) inside the meta record, none of the version-4 records.
 */
function downgradeToV3(store: MapStore, cid: string): Record<string, unknown> {
  const key = `${NS}\u0000${metaKey(cid)}`;
  const meta = decodeJson(store.data.get(key)!) as Record<string, unknown> & { sets: SetCounters };
  const outbox = rowsOf(store, OUTBOX_NS)
    .map((k) => decodeOutboxEntry(store.data.get(k)!)!)
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq: _seq, ...entry }) => entry);
  const list = (name: keyof SetCounters) =>
    rowsOf(store, IDS_NS)
      .filter((k) => k.includes(`\u0000${name}/${cid}/s/`))
      .sort((a, b) => Number(a.split("/").pop()) - Number(b.split("/").pop()))
      .map((k) => fromUtf8(store.data.get(k)!)!);
  const { outboxEpochs: _e, outboxSeq: _s, sets: _c, ...rest } = meta;
  const v3 = { ...rest, version: 3, outbox, seen: list("seen"), commits: list("processed"), echoes: list("echoes") };
  for (const k of [...rowsOf(store, OUTBOX_NS), ...rowsOf(store, IDS_NS)]) store.data.delete(k);
  store.data.set(key, encodeJson(v3));
  return v3;
}

async function group(net: Net, names: string[]): Promise<{ members: Member[]; cid: string }> {
  const members: Member[] = [];
  for (const n of names) members.push(await net.addMember(n));
  const cid = await createGroup(members[0]!, members.slice(1));
  await net.settle();
  return { members, cid };
}

describe("GroupV1 record version 4", () => {
  it("a version-3 record's outbox is moved into records and still re-sent when its epoch loses", async () => {
    const net = new Net(41);
    const { members, cid } = await group(net, ["a", "b", "c"]);
    const [a, b, c] = members as [Member, Member, Member];
    // Two renames on the same epoch: neither changes who may read, so a lost message is re-sent on the head.
    await a.run((tx) => a.engine.setMetadata(tx, cid, { name: "A", description: "" }));
    await b.run((tx) => b.engine.setMetadata(tx, cid, { name: "B", description: "" }));
    const ids = [(await view(a, cid)).epochId, (await view(b, cid)).epochId];
    const [loser, other] = ids[0]! > ids[1]! ? [a, b] : [b, a];
    // The loser says something on its own epoch; that copy never arrives anywhere.
    const queued = net.queue.length;
    const lostId = await sendText(loser, cid, "on the losing branch");
    net.queue.splice(queued);
    const store = loser.store as MapStore;
    // The version-3 outbox holds the lost message, and whatever else the loser's unfinal epochs keep (a member
    // that joined by Welcome also keeps its joined announcement): which member loses depends on random epoch ids.
    const v3 = downgradeToV3(store, cid);
    const v3Ids = (v3.outbox as { messageId: string }[]).map((e) => e.messageId);
    expect(v3Ids).toContain(lostId);
    const legacy = decodeMeta(store.data.get(`${NS}\u0000${metaKey(cid)}`)!)!.legacy?.outbox ?? [];
    expect(legacy.map((e) => e.messageId)).toEqual(v3Ids);
    await net.settle();
    // Only the re-send can have delivered it: once to each other member.
    for (const m of [other, c]) expect(m.text(cid).filter((t) => t === "on the losing branch")).toHaveLength(1);
    const written = decodeJson(store.data.get(`${NS}\u0000${metaKey(cid)}`)!) as Record<string, unknown>;
    expect(written.version).toBe(4);
    expect(written.outbox).toBeUndefined();
    expect(written.seen).toBeUndefined();
    // The entry now lives with the winning epoch, as a record of its own.
    const entries = rowsOf(store, OUTBOX_NS).map((k) => decodeOutboxEntry(store.data.get(k)!)!);
    expect(entries.map((e) => e.epochId)).not.toContain(ids[loser === a ? 0 : 1]);
    expect(entries.length).toBeGreaterThan(0);
    expect(net.rejected).toEqual([]);
  });

  it("bytes written per send and per receive at message 500 are within 1.5x of message 50", async () => {
    const net = new Net(42);
    const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    const members: Member[] = [];
    for (const n of names) {
      const m = await net.addMember(n);
      m.store = new CountingMapStore();
      members.push(m);
    }
    const cid = await createGroup(members[0]!, members.slice(1));
    await net.settle();
    const [a, b] = members as [Member, Member];
    // One sender, one receiver: the others stay offline (their cost is the receiver's).
    for (const m of members.slice(2)) m.online = false;
    const sendBytes: number[] = [];
    const receiveBytes: number[] = [];
    for (let i = 1; i <= 500; i++) {
      const [sa, sb] = [(a.store as CountingMapStore).bytes, (b.store as CountingMapStore).bytes];
      await sendText(a, cid, `message ${i} ${"x".repeat(200)}`);
      const sent = (a.store as CountingMapStore).bytes;
      await net.settle();
      sendBytes.push(sent - sa);
      receiveBytes.push((b.store as CountingMapStore).bytes - sb);
    }
    expect(b.text(cid)).toHaveLength(500);
    // Averages over ten steps around each point (the ring sets evict from the first pass on).
    const around = (xs: number[], n: number) => xs.slice(n - 5, n + 5).reduce((s, x) => s + x, 0) / 10;
    expect(around(sendBytes, 495)).toBeLessThanOrEqual(1.5 * around(sendBytes, 50));
    expect(around(receiveBytes, 495)).toBeLessThanOrEqual(1.5 * around(receiveBytes, 50));
    // Every sent message is kept (its epoch is not final), one record each.
    expect(rowsOf(a.store as MapStore, OUTBOX_NS)).toHaveLength(500);
  });

  it("outbox records are deleted once their epoch is final", async () => {
    const net = new Net(43, { finalityDepth: 2 });
    const { members, cid } = await group(net, ["a", "b"]);
    const [a, b] = members as [Member, Member];
    for (let i = 0; i < 5; i++) await sendText(a, cid, `m${i}`);
    await net.settle();
    expect(rowsOf(a.store as MapStore, OUTBOX_NS)).toHaveLength(5);
    for (let i = 0; i < 3; i++) {
      await a.run((tx) => a.engine.setMetadata(tx, cid, { name: `g${i}`, description: "" }));
      await net.settle();
    }
    expect(rowsOf(a.store as MapStore, OUTBOX_NS)).toHaveLength(0);
    const meta = decodeMeta((a.store as MapStore).data.get(`${NS}\u0000${metaKey(cid)}`)!)!;
    expect(meta.outboxEpochs).toEqual([]);
    expect(b.text(cid).sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("a stored set keeps the newest ids up to its cap, and an id added again outlives its first slot", async () => {
    const store = new MapStore();
    const counters: SetCounters = { seen: 0, processed: 0, echoes: 0 };
    const tx = new Transaction(store);
    const records = new RecordBuffer(tx);
    const set = new StoredSet(records, counters, "seen", "g", 3);
    for (const id of ["a", "b", "c", "a", "d"]) await set.add(id);
    // Slots: a (re-added), d, c after "b" and the first "a" were evicted.
    expect(await set.has("b")).toBe(false);
    for (const id of ["a", "c", "d"]) expect(await set.has(id)).toBe(true);
    records.flush();
    await tx.commit();
    expect(rowsOf(store, IDS_NS)).toHaveLength(6);
    expect(counters.seen).toBe(5);
    // Reads see buffered writes; nothing reaches the transaction before flush.
    const tx2 = new Transaction(store);
    const again = new StoredSet(new RecordBuffer(tx2), counters, "seen", "g", 3);
    await again.add("e");
    expect(await again.has("c")).toBe(false);
    expect(tx2.size).toBe(0);
  });

  it("new records decode totally: malformed outbox entries and counters are refused", () => {
    const entry = { seq: 1, messageId: "aa", plaintext: "0a0b", epochId: "e", epoch: 3n };
    expect(decodeOutboxEntry(encodeJson(entry))).toEqual(entry);
    for (const bad of [
      { ...entry, seq: "1" },
      { ...entry, plaintext: "zz" },
      { ...entry, epoch: 3 },
      { ...entry, waitingSince: "x" },
      null,
    ])
      expect(decodeOutboxEntry(encodeJson(bad))).toBeUndefined();
    expect(decodeOutboxEntry(utf8("{"))).toBeUndefined();
    expect(decodeOutboxEntry(new Uint8Array([0xff]))).toBeUndefined();
    const meta = {
      version: 4,
      conversationId: "cd".repeat(16),
      suite: 3,
      self: "01",
      status: "active",
      head: "e",
      nodes: [],
      confirmed: [],
      intents: [],
      outboxEpochs: [{ epochId: "e", epoch: 3n, count: 1, waiting: 0 }],
      outboxSeq: 2,
      sets: { seen: 1, processed: 0, echoes: 1 },
      lamport: 0,
      recent: [],
      missing: [],
      leaving: [],
      lastRecovery: 0,
      announced: [],
      keyPackageJoins: [],
      createdAt: 1,
    };
    const decoded = decodeMeta(encodeJson(meta))!;
    expect(decoded).toEqual(meta);
    expect(decodeMeta(encodeMeta(decoded))).toEqual(meta);
    for (const patch of [
      { outboxEpochs: [{ epochId: "e", epoch: 3, count: 1, waiting: 0 }] },
      { outboxSeq: "2" },
      { sets: { seen: 1 } },
      { sets: undefined },
    ])
      expect(decodeMeta(encodeJson({ ...meta, ...patch }))).toBeUndefined();
    // A version-3 record with a malformed outbox entry is refused, not half-read.
    expect(decodeMeta(encodeJson({ ...meta, version: 3, outbox: [{ messageId: 1 }] }))).toBeUndefined();
  });
});
