/**
 * Issue #11 item 7: the totality fuzz on the REAL types (InboxV1, PrivateV1, GroupV1) through `Client.ingest`.
 * Three clients build real traffic (invites, 1:1 messages both ways, a group with messages and commits); every
 * envelope published is captured. Then one client ingests INPUTS inputs built from it, seeded: mutated real
 * envelopes (bit flips, truncations, insertions, deletions), splices (one envelope's hint and salt with another's
 * payload, real payloads on other topics), random bytes, and real hints with garbage bodies (random bytes, a real
 * EncryptedPayload arm around random bytes, group messages with a real group id and epoch reference).
 *
 * For every input: no exception escapes, the outcome is one of the three, a `badly-formed` reason is declared in
 * the framework's decoding tree or the tree of the type of the conversation it names, and nothing was stored
 * (the store's revision is unchanged; only a `readable` outcome may store, e.g. a group message kept for an epoch
 * not yet known). The whole store is compared before and after. Afterwards the live conversations still work.
 * `PARLEY_INGEST_FUZZ=N` runs N inputs (default 100,000; about a minute).
 */

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { InboundOutcome } from "../../src/client/types.js";
import { conversationTypes } from "../../src/conversations/index.js";
import { decodeEncryptedPayload, decodeEnvelope, encodeEnvelope } from "../../src/framework/envelope.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { treeReasons as declaredReasons, FRAMEWORK_DECODING_TREE } from "../../src/framework/type-spec.js";
import { GroupV1MessageSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { groupMessages, groupOf, key, type Peer, prng, setup } from "./group-world.js";

const INPUTS = Number(process.env.PARLEY_INGEST_FUZZ ?? 100_000);
const KINDS = new Set(["readable", "badly-formed", "not-for-me"]);

interface Captured {
  readonly topic: string;
  readonly payload: Uint8Array;
}

describe("Client.ingest is total on the real types (fuzz)", () => {
  it(`${INPUTS} mutated, spliced and random envelopes: no throw, nothing stored, every reason declared`, async () => {
    const w = setup("ingest-totality", {});
    const captured: Captured[] = [];
    const bus = w.bus as unknown as { _publish: (from: unknown, topic: string, payload: Uint8Array) => unknown };
    const publish = bus._publish.bind(w.bus);
    bus._publish = (from, topic, payload) => {
      captured.push({ topic, payload: payload.slice() });
      return publish(from, topic, payload);
    };
    const store = new MemoryStore();
    const alice = await w.peer("alice", store);
    const [bob, carol] = [await w.peer("bob"), await w.peer("carol")];
    await w.connect(alice, bob);
    await w.connect(bob, alice);
    await w.connect(alice, carol);
    await w.connect(bob, carol);
    const cid = await groupOf(w, alice, [bob, carol], "fuzz");
    for (const p of [alice, bob, carol]) await p.client.send(cid, `hello from ${p.name}`);
    await alice.client.send(alice.pairwise.get("bob")!, "1:1 a");
    await bob.client.send(bob.pairwise.get("alice")!, "1:1 b");
    await w.until("settled", () => groupMessages(alice, cid).length === 2);
    await w.run(20_000);
    const realCount = captured.length;
    expect(realCount).toBeGreaterThan(20);

    // Which tree a reason may come from: the framework's, and that of the conversation's type.
    const frameworkReasons = declaredReasons(FRAMEWORK_DECODING_TREE);
    const treeOf = new Map(conversationTypes.map((s) => [s.name, declaredReasons(s.decodingTree)] as const));
    const typeOf = new Map((await alice.client.conversations()).map((c) => [c.id, c.type] as const));
    const allowed = (o: Extract<InboundOutcome, { kind: "badly-formed" }>) => {
      if (frameworkReasons.has(o.reason)) return true;
      // The inbox is not listed among conversations: an id we do not list is the inbox's.
      const type = o.conversationId === undefined ? undefined : (typeOf.get(o.conversationId) ?? "InboxV1");
      return type !== undefined && (treeOf.get(type)?.has(o.reason) ?? false);
    };

    const r = prng(20_261_205);
    const int = (n: number) => Math.floor(r() * n);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
    const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
    const real = captured.slice(0, realCount);
    const envelopes = real.flatMap((c) => {
      const e = decodeEnvelope(c.payload);
      return e.ok
        ? [{ topic: c.topic, hint: e.value.conversationHint, salt: e.value.salt, payload: e.value.payload }]
        : [];
    });
    const topics = [...new Set(real.map((c) => c.topic)), "/logos-chat/1/0000/proto", "x"];
    const groupMessagesReal = envelopes.flatMap((e) => {
      const p = decodeEncryptedPayload(e.payload);
      if (!p.ok || p.value.encryption.case !== "plaintext") return [];
      try {
        return [{ ...e, message: fromBinary(GroupV1MessageSchema, p.value.encryption.value.payload) }];
      } catch {
        return [];
      }
    });
    expect(groupMessagesReal.length).toBeGreaterThan(0);

    const mutate = (input: Uint8Array): Uint8Array => {
      let b = input.slice();
      for (let m = 1 + int(3); m > 0; m--) {
        const pos = int(Math.max(1, b.length));
        switch (int(6)) {
          case 0:
            if (b.length) b[pos]! ^= 1 << int(8);
            break;
          case 1:
            b = b.slice(0, int(b.length + 1));
            break;
          case 2:
            b = Uint8Array.from([...b.subarray(0, pos), ...bytes(1 + int(8)), ...b.subarray(pos)]);
            break;
          case 3:
            b = Uint8Array.from([...b.subarray(0, pos), ...b.subarray(pos + 1 + int(8))]);
            break;
          case 4:
            if (b.length) b[pos] = int(256);
            break;
          default:
            b = Uint8Array.from([...b, ...bytes(1 + int(16))]);
        }
      }
      return b;
    };
    /** An EncryptedPayload with arm `arm` (field number) around `inner`. */
    const arm = (field: number, inner: Uint8Array) => Uint8Array.from([(field << 3) | 2, ...lenPrefix(inner)]);

    const generators: (() => Captured)[] = [
      // A real envelope, mutated anywhere.
      () => {
        const c = pick(real);
        return { topic: c.topic, payload: mutate(c.payload) };
      },
      // A real envelope's hint and salt with its payload mutated (reaches the type's own decoding).
      () => {
        const e = pick(envelopes);
        return {
          topic: e.topic,
          payload: encodeEnvelope({ conversationHint: e.hint, salt: e.salt, payload: mutate(e.payload) }),
        };
      },
      // Splices: one envelope's hint with another's payload; a real envelope on another topic.
      () => {
        const [a, b] = [pick(envelopes), pick(envelopes)];
        return {
          topic: a.topic,
          payload: encodeEnvelope({ conversationHint: a.hint, salt: a.salt, payload: b.payload }),
        };
      },
      () => ({ topic: pick(topics), payload: pick(real).payload }),
      // Random bytes.
      () => ({ topic: pick(topics), payload: bytes(int(400)) }),
      // Real hints with garbage bodies: random bytes, or a real arm around random bytes.
      () => {
        const e = pick(envelopes);
        const body = r() < 0.5 ? bytes(int(200)) : arm(1 + int(6), bytes(int(200)));
        return { topic: e.topic, payload: encodeEnvelope({ conversationHint: e.hint, salt: e.salt, payload: body }) };
      },
      // Group messages with the real group id and epoch reference, and a garbage or mutated MLS message.
      () => {
        const g = pick(groupMessagesReal);
        const mls = r() < 0.5 ? bytes(int(300)) : mutate(g.message.mlsMessage);
        const inner = toBinary(GroupV1MessageSchema, create(GroupV1MessageSchema, { ...g.message, mlsMessage: mls }));
        return {
          topic: g.topic,
          payload: encodeEnvelope({ conversationHint: g.hint, salt: g.salt, payload: arm(1, inner) }),
        };
      },
    ];

    const before = store.snapshot();
    const outcomes: Record<string, number> = { readable: 0, "badly-formed": 0, "not-for-me": 0 };
    const reasons = new Map<string, number>();
    const undeclared: string[] = [];
    for (let i = 0; i < INPUTS; i++) {
      const input = generators[i % generators.length]!();
      const revision = store.revision;
      let o: InboundOutcome;
      try {
        o = await alice.client.ingest(input.topic, input.payload);
      } catch (e) {
        throw new Error(`ingest threw on input ${i}: ${String(e)}`);
      }
      expect(KINDS.has(o.kind), JSON.stringify(o)).toBe(true);
      outcomes[o.kind]!++;
      if (o.kind === "badly-formed") {
        reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
        if (!allowed(o)) undeclared.push(`${o.reason} (${o.conversationId && typeOf.get(o.conversationId)})`);
      }
      if (o.kind !== "readable" && store.revision !== revision)
        throw new Error(`input ${i} (${o.kind}) changed the store`);
    }
    console.log("ingest outcomes:", outcomes, "reasons:", Object.fromEntries(reasons));
    expect([...new Set(undeclared)]).toEqual([]);
    if (outcomes.readable === 0) expect(store.snapshot()).toEqual(before);

    // The live conversations still work: 1:1 both ways and the group.
    await alice.client.send(alice.pairwise.get("bob")!, "after fuzz a");
    await bob.client.send(bob.pairwise.get("alice")!, "after fuzz b");
    await alice.client.send(cid, "group after fuzz");
    await carol.client.send(cid, "carol after fuzz");
    const texts = (p: Peer) =>
      p.events.flatMap((e) => (e.type === "message" ? [(e.content as { text?: string }).text ?? ""] : []));
    await w.until(
      "conversations still work",
      () =>
        texts(bob).includes("after fuzz a") &&
        texts(alice).includes("after fuzz b") &&
        texts(bob).includes("group after fuzz") &&
        texts(alice).includes("carol after fuzz"),
    );
    expect(key(alice)).toBe(alice.client.installationKey);
  }, 600_000);
});

function lenPrefix(b: Uint8Array): number[] {
  const out: number[] = [];
  let n = b.length;
  do {
    let x = n & 0x7f;
    n >>>= 7;
    if (n > 0) x |= 0x80;
    out.push(x);
  } while (n > 0);
  return [...out, ...b];
}
