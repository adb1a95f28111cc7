/**
 * Issue #19, GroupV1 part: anyone can publish on a group's topic, and a message for an epoch a member does not
 * know yet cannot be authenticated. Such input must cost a member a bounded amount: it is never stored (it
 * waits in a bounded in-memory buffer), later legitimate rounds cost what they cost before, nothing survives a
 * restart, and a fuzz of garbage built from real group envelopes changes no stored record. Work is counted in
 * bytes and records written, never in wall time.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DEFAULT_ORPHAN_LIMITS } from "../../src/conversations/group-v1/index.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { WriteOp } from "../../src/framework/store.js";
import { EncryptedPayloadSchema } from "../../src/wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../src/wire/gen/logoschat/envelope/envelope_pb.js";
import { type GroupV1Message, GroupV1MessageSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { prng } from "../group-v1/harness.js";
import { groupMessages, groupOf, type Peer, setup, text } from "./group-world.js";

/** A MemoryStore that counts what is written: all bytes, and the largest group record written in one step. */
class CountingStore extends MemoryStore {
  bytes = 0;
  records = 0;
  maxGroupRecord = 0;
  override async commit(ops: readonly WriteOp[]): Promise<void> {
    for (const o of ops) {
      if (o.op !== "put") continue;
      this.bytes += o.value.length;
      this.records++;
      if (o.ns === "group-v1" && o.key.startsWith("meta/"))
        this.maxGroupRecord = Math.max(this.maxGroupRecord, o.value.length);
    }
    return super.commit(ops);
  }
  /** Starts a measurement: returns a function giving the work done since. */
  measure(): () => { bytes: number; records: number; maxGroupRecord: number } {
    const [bytes, records] = [this.bytes, this.records];
    this.maxGroupRecord = 0;
    return () => ({ bytes: this.bytes - bytes, records: this.records - records, maxGroupRecord: this.maxGroupRecord });
  }
}

interface Envelope {
  readonly hint: string;
  readonly salt: bigint;
  readonly gm: GroupV1Message;
}

function open(bytes: Uint8Array): Envelope {
  const env = fromBinary(EnvelopeV1Schema, bytes);
  const enc = fromBinary(EncryptedPayloadSchema, env.payload);
  if (enc.encryption.case !== "plaintext") throw new Error("not a group envelope");
  return {
    hint: env.conversationHint,
    salt: env.salt,
    gm: fromBinary(GroupV1MessageSchema, enc.encryption.value.payload),
  };
}

/** Wraps GroupV1Message bytes the way a member would (the captured hint and salt stay valid). */
function seal(e: Envelope, groupMessage: Uint8Array): Uint8Array {
  const payload = toBinary(
    EncryptedPayloadSchema,
    create(EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: groupMessage } } }),
  );
  return toBinary(EnvelopeV1Schema, create(EnvelopeV1Schema, { conversationHint: e.hint, salt: e.salt, payload }));
}

function withRef(e: Envelope, epochRef: Uint8Array, newEpochRef = e.gm.newEpochRef): Uint8Array {
  return seal(e, toBinary(GroupV1MessageSchema, create(GroupV1MessageSchema, { ...e.gm, epochRef, newEpochRef })));
}

function bytesOf(rand: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

/** Three members, alice, bob and carol, on a fault-free bus; eve only listens to the group topic. */
async function threeMembers(seed: string) {
  const w = setup(seed, {});
  const stores = [new CountingStore(), new CountingStore(), new CountingStore()];
  const [alice, bob, carol] = [
    await w.peer("alice", stores[0]),
    await w.peer("bob", stores[1]),
    await w.peer("carol", stores[2]),
  ] as [Peer, Peer, Peer];
  await w.connect(alice, bob);
  await w.connect(alice, carol);
  const cid = await groupOf(w, alice, [bob, carol]);
  const topic = (await alice.client.groupInfo(cid)).contentTopic;
  const captured: Uint8Array[] = [];
  const eve = w.bus.endpoint("eve");
  await eve.subscribe(topic, (m) => void captured.push(m.payload));
  /** alice sends `t`; the others must have it after a fixed 5 virtual seconds. */
  const round = async (t: string) => {
    await alice.client.send(cid, t);
    await w.run(5_000);
    for (const p of [bob, carol]) expect(groupMessages(p, cid).map(text)).toContain(t);
  };
  return { w, stores, alice, bob, carol, cid, topic, captured, eve, round };
}

describe("GroupV1: injected messages for unknown epochs cost a member a bounded amount (#19)", () => {
  it("120 replays of a 100 KB message with random epoch_refs store nothing; later rounds cost as before", async () => {
    const { w, stores, bob, carol, cid, topic, captured, round } = await threeMembers("group-injection");
    const big = "x".repeat(100_000);
    await round(big);
    const bigEnvelope = captured.map(open).find((e) => e.gm.mlsMessage.length > 100_000)!;
    expect(bigEnvelope).toBeDefined();

    // The normal cost of one round (the same virtual duration, so the same sweeps).
    const normal = stores.map((s) => s.measure());
    await round("before the attack");
    const before = normal.map((m) => m());

    const rand = prng(19);
    const revisions = stores.map((s) => s.revision);
    // The injector's messages, as each member's subscription hands them over (no virtual time passes, so no
    // sweep runs and any write would be the injection's).
    for (let i = 0; i < 120; i++) {
      const injected = withRef(bigEnvelope, bytesOf(rand, 16));
      for (const p of [bob, carol])
        expect(await p.client.ingest(topic, injected)).toMatchObject({ kind: "badly-formed", reason: "epoch-unknown" });
    }
    expect(stores.map((s) => s.revision)).toEqual(revisions);
    // Each held message beyond the bound was dropped and reported; what is kept fits the byte bound.
    for (const p of [bob, carol]) {
      const evicted = p.events.flatMap((e) => (e.type === "orphans-evicted" && e.conversationId === cid ? [e] : []));
      const kept = 120 - evicted.reduce((n, e) => n + e.count, 0);
      expect(kept * 100_000).toBeLessThanOrEqual(DEFAULT_ORPHAN_LIMITS.maxBytes);
      expect(evicted.every((e) => e.reason === "conversation-full" || e.reason === "epoch-ref-full")).toBe(true);
      // Not an error, not a message: held input is quiet.
      expect(p.events.some((e) => e.type === "error" && e.conversationId === cid)).toBe(false);
    }

    const attacked = stores.map((s) => s.measure());
    await round("after the attack");
    const after = attacked.map((m) => m());
    for (let i = 0; i < stores.length; i++) {
      expect(after[i]!.maxGroupRecord).toBeLessThanOrEqual(2 * before[i]!.maxGroupRecord);
      expect(after[i]!.bytes).toBeLessThanOrEqual(2 * before[i]!.bytes);
      expect(after[i]!.records).toBeLessThanOrEqual(2 * before[i]!.records);
    }

    // Held messages expire: after the TTL a sweep reports them and the buffer is empty again.
    await w.run(DEFAULT_ORPHAN_LIMITS.ttlMs + 2_000);
    for (const p of [bob, carol]) {
      const evicted = p.events.flatMap((e) => (e.type === "orphans-evicted" && e.conversationId === cid ? [e] : []));
      // (At least: an orphan held before the attack, during the group's formation, may be among them.)
      expect(evicted.reduce((n, e) => n + e.count, 0)).toBeGreaterThanOrEqual(120);
      expect(evicted.some((e) => e.reason === "expired")).toBe(true);
    }

    // Nothing is pinned across a restart: the group record is as small as before and the group goes on.
    await w.stop(bob);
    await w.reopen(bob);
    const restarted = stores.map((s) => s.measure());
    await round("after a restart");
    const last = restarted.map((m) => m());
    expect(last[1]!.maxGroupRecord).toBeLessThanOrEqual(2 * before[1]!.maxGroupRecord);
  }, 300_000);

  it("legitimate out-of-order delivery still works: a message before its commit is held, then read", async () => {
    const { w, alice, bob, cid, topic, captured } = await threeMembers("group-injection-order");
    // alice's messages stop reaching bob; she renames (a commit) and sends in the new epoch; bob gets them
    // reversed: the message first (held: its epoch is unknown), then the commit, which releases it.
    await w.run(15_000); // past bob's tail polling of the history, which would fetch them in order
    const n = captured.length;
    w.bus.setLinkFaults("alice", "bob", { drop: 1 });
    await alice.client.setGroupMetadata(cid, { name: "renamed" });
    await w.run(1_000);
    await alice.client.send(cid, "in the new epoch");
    await w.run(1_000);
    w.bus.setLinkFaults("alice", "bob", undefined);
    const sent = captured.slice(n).map((b) => ({ b, e: open(b) }));
    const commit = sent.find((x) => x.e.gm.newEpochRef.length === 16)!;
    const app = sent.find((x) => x.e.gm.newEpochRef.length === 0)!;
    expect(commit && app).toBeTruthy();
    expect(groupMessages(bob, cid).map(text)).not.toContain("in the new epoch");
    expect(await bob.client.ingest(topic, app.b)).toMatchObject({ kind: "badly-formed", reason: "epoch-unknown" });
    // The held message asked for the topic's history, which may bring the commit first: either way, once.
    await bob.client.ingest(topic, commit.b);
    await w.run(2_000);
    expect(groupMessages(bob, cid).filter((m) => text(m) === "in the new epoch")).toHaveLength(1);
    expect((await bob.client.groupInfo(cid)).name).toBe("renamed");
  }, 300_000);

  it("fuzz: 100,000 garbage payloads from real group envelopes change no stored record and throw nothing", async () => {
    const { w, stores, alice, bob, cid, topic, captured, round } = await threeMembers("group-injection-fuzz");
    await alice.client.setGroupMetadata(cid, { name: "renamed" }); // a commit to mutate too
    await w.run(3_000);
    await round("one");
    await round("two");
    const bases = captured.map((b) => ({ b, e: open(b) }));
    expect(bases.some((x) => x.e.gm.newEpochRef.length === 16)).toBe(true);
    const store = stores[1]!;
    const revision = store.revision;
    const rand = prng(1900);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const count = Number(process.env.GROUP_FUZZ_COUNT ?? 100_000);
    const kinds = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const base = pick(bases);
      const gmBytes = toBinary(GroupV1MessageSchema, base.e.gm);
      let payload: Uint8Array;
      switch (i % 7) {
        case 0: // a real message under a random epoch_ref
          payload = withRef(base.e, bytesOf(rand, 16));
          break;
        case 1: {
          // bit flips anywhere in the GroupV1Message
          const m = gmBytes.slice();
          for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) m[Math.floor(rand() * m.length)]! ^= 1 << (i % 8);
          payload = seal(base.e, m);
          break;
        }
        case 2: {
          // a splice of two real messages
          const other = toBinary(GroupV1MessageSchema, pick(bases).e.gm);
          const cut = Math.floor(rand() * gmBytes.length);
          const cut2 = Math.floor(rand() * other.length);
          payload = seal(base.e, Uint8Array.from([...gmBytes.subarray(0, cut), ...other.subarray(cut2)]));
          break;
        }
        case 3: // a real message under a real ref with another new_epoch_ref (clear, unauthenticated)
          payload = withRef(base.e, base.e.gm.epochRef, bytesOf(rand, 16));
          break;
        case 4: // random epoch_ref, truncated MLS message
          payload = seal(
            base.e,
            toBinary(
              GroupV1MessageSchema,
              create(GroupV1MessageSchema, {
                epochRef: bytesOf(rand, 16),
                mlsMessage: base.e.gm.mlsMessage.subarray(0, Math.floor(rand() * base.e.gm.mlsMessage.length)),
              }),
            ),
          );
          break;
        case 5: // random bytes as the GroupV1Message
          payload = seal(base.e, bytesOf(rand, 1 + Math.floor(rand() * 400)));
          break;
        default: {
          // a real message, bytes flipped in its MLS part only, under its real ref
          const mls = base.e.gm.mlsMessage.slice();
          mls[Math.floor(rand() * mls.length)]! ^= 0xff;
          payload = seal(
            base.e,
            toBinary(GroupV1MessageSchema, create(GroupV1MessageSchema, { ...base.e.gm, mlsMessage: mls })),
          );
        }
      }
      const outcome = await bob.client.ingest(topic, payload);
      const key = outcome.kind === "badly-formed" ? outcome.reason : outcome.kind;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    expect(kinds.get("readable")).toBeUndefined();
    expect(store.revision).toBe(revision);
    // Held input was bounded by the buffer, not written; the group still works for bob.
    expect((kinds.get("epoch-unknown") ?? 0) + (kinds.get("epoch-implausible") ?? 0)).toBeGreaterThan(count / 7);
    await round("after the fuzz");
  }, 1_800_000);
});
