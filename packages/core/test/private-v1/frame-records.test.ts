/**
 * Unacknowledged frames as records of their own (state version 4, frame-records.ts): with the peer offline,
 * what a send writes does not grow with the number of messages before it, and the conversation record stays
 * the same size; the frames survive a restart and keep being resent; a version-3 state (fixture written by
 * the version-3 code) opens, moves its frames to records on its first commit and keeps working. Costs are
 * counted in bytes committed to the store, never in time.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/base/bytes.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { decodePrivateState } from "../../src/conversations/private-v1/state.js";
import { seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { create, EncryptedPayloadSchema } from "../../src/wire/index.js";
import { sessionPair } from "../support/private-v1-session.js";
import { Side } from "../support/private-v1-side.js";

const crypto = new NodeCryptoProvider({ random: seededRandom("private-v1-frame-records") });

describe("PrivateV1 frame records", () => {
  it("with the peer offline, bytes per send stop growing once the bounded windows are full; the record too", async () => {
    const engine = new PrivateV1Engine(crypto);
    const { alice } = sessionPair(crypto, engine);
    const a = new Side(engine, alice);
    const perSend = new Map<number, number>();
    const record = new Map<number, number>();
    for (let i = 1; i <= 2_000; i++) {
      const before = a.store.written;
      await a.send(`message ${i} ${"x".repeat(200)}`, 1_000 + i);
      if (i === 100 || i === 1_000 || i === 2_000) {
        perSend.set(i, a.store.written - before);
        record.set(i, await a.recordBytes());
      }
    }
    // Nothing acknowledged: every frame is a record of its own, and one commit per send.
    expect(await a.frameRecords()).toBe(2_000);
    expect(a.store.commits).toBe(2_000);
    console.log(
      `bytes committed per send at 100/1,000/2,000: ${[...perSend.values()]}; record ${[...record.values()]}`,
    );
    // Version 3 rewrote every unacknowledged frame with each send (message N wrote N frames): message 2,000
    // cost twice message 1,000. Now the record holds the ratchet, the SDS scalars and its bounded windows
    // (the 1,000 known ids, 16 bytes each, full at message 1,000; the Bloom filter), plus one frame record.
    expect(perSend.get(2_000)!).toBeLessThanOrEqual(1.5 * perSend.get(1_000)!);
    expect(record.get(2_000)!).toBeLessThan(record.get(1_000)! + 512);
    expect(perSend.get(2_000)!).toBeLessThan(24 * 1024);
  });

  it("deletes a frame's record once acknowledged; the frames survive a restart and are resent", async () => {
    const engine = new PrivateV1Engine(crypto);
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    const b = new Side(engine, pair.bob);
    const first = await a.send("first", 2_000);
    expect(await b.open(first[0]!, 2_000)).toEqual(["first"]);
    await a.send("second", 2_100); // lost on the way
    await a.send("third", 2_200); // lost on the way
    expect(await a.frameRecords()).toBe(3);
    // Bob acknowledges "first".
    for (const p of await b.sweep(4_000)) await a.open(p, 4_000);
    expect(await a.frameRecords()).toBe(2);
    expect(a.state.outbound.map((o) => o.messageId)).toHaveLength(2);
    const ids = a.state.outbound.map((o) => o.messageId);
    const sds = a.state.sds.outgoing.map((m) => m.messageId);
    await a.restart();
    expect(a.state.outbound.map((o) => o.messageId)).toEqual(ids);
    expect(a.state.sds.outgoing.map((m) => m.messageId)).toEqual(sds);
    // The resend interval passes: both go out again, as first sealed, and Bob reads them in order.
    const resent = await a.sweep(40_000);
    const got: string[] = [];
    for (const p of resent) got.push(...(await b.open(p, 40_000)));
    expect(got).toEqual(["second", "third"]);
    for (const p of await b.sweep(42_000)) await a.open(p, 42_000);
    expect(a.state.outbound).toEqual([]);
    expect(await a.frameRecords()).toBe(0);
  });

  it("after a failed commit, the next commit still deletes the record of a frame acknowledged in the failed one", async () => {
    const engine = new PrivateV1Engine(crypto);
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    const b = new Side(engine, pair.bob);
    for (const p of await a.send("one", 2_000)) await b.open(p, 2_000);
    await a.send("two", 2_100); // never arrives
    expect(await a.frameRecords()).toBe(2);
    const before = a.state;
    const acks = await b.sweep(4_000);
    // The step that takes the acknowledgement in fails to commit: the state stays what was committed.
    a.store.failNext = true;
    for (const p of acks) {
      const r = engine.open(a.state, p.payload, 4_000);
      if (!r.ok) throw new Error(r.reason);
      a.state = r.state;
    }
    await expect(a.commit()).rejects.toThrow("disk full");
    a.state = before;
    expect(await a.frameRecords()).toBe(2);
    // The acknowledgement again (its resend): this time committed, and "one"'s record goes.
    for (const p of acks) await a.open(p, 4_100);
    expect(a.state.outbound).toHaveLength(1);
    expect(await a.frameRecords()).toBe(1);
    await a.restart();
    expect(a.state.outbound).toHaveLength(1);
  });

  it("a refused payload writes nothing", async () => {
    const engine = new PrivateV1Engine(crypto);
    const pair = sessionPair(crypto, engine);
    const a = new Side(engine, pair.alice);
    const b = new Side(engine, pair.bob);
    const [p] = await a.send("hello", 2_000);
    await b.open(p!, 2_000);
    const written = b.store.written;
    const commits = b.store.commits;
    const forged = create(EncryptedPayloadSchema, {
      encryption: {
        case: "doubleratchet",
        value: { ...(p!.payload.encryption.value as object), ciphertext: new Uint8Array(48).fill(9) } as never,
      },
    });
    const r = engine.open(b.state, forged, 2_100);
    expect(r.ok).toBe(false);
    expect(b.store.written).toBe(written);
    expect(b.store.commits).toBe(commits);
  });

  it("a version-3 state opens, moves its frames to records on its first commit, and keeps working", async () => {
    const fixture = JSON.parse(readFileSync(new URL("./fixtures/state-v3.json", import.meta.url), "utf8")) as {
      now: number;
      alice: string;
      bob: string;
      unacknowledged: string[];
    };
    const engine = new PrivateV1Engine(crypto);
    const aliceV3 = fromHex(fixture.alice)!;
    expect(aliceV3[0]).toBe(3);
    const a = new Side(engine, decodePrivateState(Uint8Array.from(aliceV3))!);
    const b = new Side(engine, decodePrivateState(fromHex(fixture.bob)!)!);
    // As stored: the version-3 record, no frame records yet.
    await a.store.commit([{ op: "put", ns: CONVERSATION_STATE_NS, key: a.key, value: aliceV3 }]);
    await a.restart();
    expect(a.state.outbound.map((o) => o.messageId)).toEqual(fixture.unacknowledged);
    expect(await a.frameRecords()).toBe(0);
    // First commit: the current version, one record per unacknowledged frame, and a record without them.
    await a.commit();
    expect((await a.store.get(CONVERSATION_STATE_NS, a.key))![0]).toBe(6);
    expect(await a.frameRecords()).toBe(3);
    expect(await a.recordBytes()).toBeLessThan(aliceV3.length);
    await a.restart();
    expect(a.state.outbound.map((o) => o.messageId)).toEqual(fixture.unacknowledged);
    // Resend: Bob has "three" (a replay he acknowledges again), reads "four" and "five".
    let now = fixture.now + 60_000;
    const got: string[] = [];
    for (const p of await a.sweep(now)) {
      const r = engine.open(b.state, p.payload, now);
      if (!r.ok) {
        expect(r.reason).toBe("replay");
        continue;
      }
      b.state = r.state;
      got.push(
        ...r.opened.frames.map((f) => (f.body.case === "content" ? new TextDecoder().decode(f.body.value) : "")),
      );
    }
    expect(got).toEqual(["four", "five"]);
    // Send and receive after the migration.
    now += 100;
    const six = await a.send("six", now);
    expect(await b.open(six[0]!, now)).toEqual(["six"]);
    const reply = await b.send("seven", now + 10);
    expect(await a.open(reply[0]!, now + 10)).toEqual(["seven"]);
    // Bob's acknowledgements empty Alice's outbox: every frame record is deleted.
    for (const p of await b.sweep(now + 5_000)) await a.open(p, now + 5_000);
    expect(a.state.outbound).toEqual([]);
    expect(await a.frameRecords()).toBe(0);
  });
});
