/**
 * classify is total and side-effect free: 100,000 random and mutated envelopes (random bytes, truncations,
 * bit flips, insertions, hand-built protobuf with wrong wire types and huge lengths, valid hints with garbage
 * payloads) give zero exceptions, zero store changes, and always exactly one of the three outcomes.
 */
import { type Store, toHex, utf8 } from "@parley/core";
import { type Classification, Decoder, encodeEnvelope, saltedHint } from "@parley/core/internals";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plaintextPayload, sealedEnvelope } from "./fixtures.js";
import { inviteBytes, makeWorld, TOPIC_A, TOPIC_B, TOPIC_C, type World } from "./setup.js";

const RUNS_PER_PROPERTY = 25_000;
const KINDS = new Set(["readable", "badly-formed", "not-for-me"]);

let w: World;
let decoder: Decoder;
let commits = 0;
let initial: ReturnType<World["store"]["snapshot"]>;
const pool: { bytes: Uint8Array; topic: string }[] = [];
const outcomes = { readable: 0, "badly-formed": 0, "not-for-me": 0 } as Record<string, number>;
const reasons = new Map<string, number>();

beforeAll(async () => {
  w = await makeWorld("property");
  // The decoder sees the store only through a spy that counts (and refuses) writes.
  const spy: Store = {
    get: (ns, key) => w.store.get(ns, key),
    scan: (ns, o) => w.store.scan(ns, o),
    commit: async () => {
      commits++;
      throw new Error("the decoder must never write");
    },
    close: async () => {},
  };
  decoder = new Decoder({ registry: w.registry, crypto: w.crypto, store: spy, clock: w.clock, index: w.decoder.index });
  for (const c of w.convs) {
    for (let i = 0; i < 3; i++) {
      pool.push({
        bytes: sealedEnvelope(w.crypto, w.random, c.key, c.ref, `msg ${i} for ${c.ref.id}`),
        topic: c.ref.contentTopic,
      });
    }
    pool.push({ bytes: sealedEnvelope(w.crypto, w.random, c.key, c.ref, "raw", true), topic: c.ref.contentTopic });
  }
  const invite = inviteBytes("inviteSealedTest", {
    id: "fresh",
    key: toHex(new Uint8Array(32).fill(7)),
    topic: TOPIC_C,
  });
  pool.push({
    bytes: encodeEnvelope({ conversationHint: w.inbox.id, salt: 0n, payload: plaintextPayload(invite) }),
    topic: TOPIC_B,
  });
  initial = w.store.snapshot();
});

afterAll(() => {
  // Shown with the test output so a reader can see the mix of outcomes that was exercised.
  console.log("classify outcomes:", outcomes, "reasons:", Object.fromEntries(reasons));
});

async function check(bytes: Uint8Array, topic: string): Promise<void> {
  const revision = w.store.revision;
  let r: Classification;
  try {
    r = await decoder.classify(bytes, topic);
  } catch (e) {
    throw new Error(`classify threw: ${String(e)}`);
  }
  if (!KINDS.has(r.kind)) throw new Error(`unexpected outcome ${JSON.stringify(r)}`);
  if (r.kind === "badly-formed" && !/^[a-z][a-z0-9-]*$/.test(r.reason)) throw new Error(`bad reason ${r.reason}`);
  if (w.store.revision !== revision || commits !== 0) throw new Error("the store changed");
  outcomes[r.kind]!++;
  if (r.kind === "badly-formed") reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
}

const topicArb = fc.oneof(fc.constantFrom(TOPIC_A, TOPIC_B, TOPIC_C), fc.string({ maxLength: 40 }));

// ---- hand-built protobuf: any field number, any wire type, lengths that lie --------------------------
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const fieldArb = fc.record({
  field: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), fc.integer({ min: 0, max: 40 }), fc.constant(536870911)),
  wire: fc.integer({ min: 0, max: 7 }),
  value: fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.uint8Array({ maxLength: 48 }),
    fc.record({ lie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), body: fc.uint8Array({ maxLength: 16 }) }),
  ),
});

function encodeFields(fields: { field: number; wire: number; value: unknown }[]): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    out.push(...varint((BigInt(f.field) << 3n) | BigInt(f.wire)));
    const v = f.value;
    if (f.wire === 0) out.push(...varint(typeof v === "bigint" ? v : 1n));
    else if (f.wire === 1) out.push(...new Array(8).fill(0xab));
    else if (f.wire === 5) out.push(0xcd, 0xcd, 0xcd, 0xcd);
    else if (f.wire === 2) {
      if (v instanceof Uint8Array) out.push(...varint(BigInt(v.length)), ...v);
      else if (typeof v === "bigint") out.push(...varint(v));
      else {
        const { lie, body } = v as { lie: bigint; body: Uint8Array };
        out.push(...varint(lie), ...body);
      }
    }
    // wire types 3, 4 (groups), 6, 7 (invalid) carry nothing.
  }
  return Uint8Array.from(out);
}

const protoArb = fc.array(fieldArb, { maxLength: 6 }).map(encodeFields);

/** An EncryptedPayload-shaped garbage: a known arm (1..4) holding hand-built inner fields. */
const payloadGarbageArb = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  protoArb,
  fc
    .record({ arm: fc.integer({ min: 1, max: 5 }), inner: protoArb })
    .map(({ arm, inner }) =>
      Uint8Array.from([...varint(BigInt((arm << 3) | 2)), ...varint(BigInt(inner.length)), ...inner]),
    ),
  fc.uint8Array({ maxLength: 120 }).map(plaintextPayload),
  fc.string({ maxLength: 60 }).map((s) => plaintextPayload(utf8(s))),
  fc
    .record({ arm: fc.constantFrom("inviteSealedTest", "inviteNobody", ""), invite: fc.jsonValue() })
    .map(({ arm, invite }) => plaintextPayload(inviteBytes(arm, invite))),
);

// ---- mutations of valid envelopes -------------------------------------------------------------------
type Mutation =
  | { kind: "flip"; pos: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; pos: number; bytes: Uint8Array }
  | { kind: "delete"; pos: number; len: number }
  | { kind: "set"; pos: number; byte: number }
  | { kind: "append"; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("set" as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function mutate(input: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of muts) {
    const pos = "pos" in m ? m.pos % Math.max(1, b.length) : 0;
    switch (m.kind) {
      case "flip":
        if (b.length) b[pos]! ^= 1 << m.bit;
        break;
      case "truncate":
        b = b.slice(0, m.at % (b.length + 1));
        break;
      case "insert":
        b = Uint8Array.from([...b.subarray(0, pos), ...m.bytes, ...b.subarray(pos)]);
        break;
      case "delete":
        b = Uint8Array.from([...b.subarray(0, pos), ...b.subarray(pos + m.len)]);
        break;
      case "set":
        if (b.length) b[pos] = m.byte;
        break;
      case "append":
        b = Uint8Array.from([...b, ...m.bytes]);
        break;
    }
  }
  return b;
}

describe("classify is total and never writes (100,000 envelopes)", () => {
  const params = (seed: number) => ({ numRuns: RUNS_PER_PROPERTY, seed, endOnFailure: true });

  it("random bytes on random topics", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), topicArb, (bytes, topic) => check(bytes, topic)),
      params(1),
    );
    expect(w.store.snapshot()).toEqual(initial);
  });

  it("valid envelopes with truncations, bit flips, insertions, deletions (sometimes none)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutationArb, { maxLength: 3 }), fc.boolean(), async (i, muts, sameTopic) => {
        const base = pool[i % pool.length]!;
        await check(mutate(base.bytes, muts), sameTopic ? base.topic : TOPIC_A);
      }),
      params(2),
    );
    expect(w.store.snapshot()).toEqual(initial);
  });

  it("hand-built protobuf: wrong wire types, unknown fields, huge and lying lengths", async () => {
    await fc.assert(
      fc.asyncProperty(
        protoArb,
        fc.oneof(fc.constant(undefined), payloadGarbageArb),
        fc.constantFrom("conv-a1", "conv-b1", "inbox-1", ""),
        topicArb,
        async (prefix, inner, hint, topic) => {
          // Either pure garbage, or garbage fields followed by a real hint and a garbage payload field.
          const tail =
            inner === undefined
              ? new Uint8Array(0)
              : encodeEnvelope({ conversationHint: hint, salt: 0n, payload: inner });
          await check(Uint8Array.from([...prefix, ...tail]), topic);
        },
      ),
      params(3),
    );
    expect(w.store.snapshot()).toEqual(initial);
  });

  it("valid hints (salted and raw, every known conversation) with garbage payloads", async () => {
    const targets = [...w.convs.map((c) => c.ref), w.inbox];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.boolean(),
        payloadGarbageArb,
        async (i, salt, raw, payload) => {
          const ref = targets[i % targets.length]!;
          const hint = raw ? ref.id : saltedHint(w.crypto, salt, ref.id);
          await check(encodeEnvelope({ conversationHint: hint, salt: raw ? 0n : salt, payload }), ref.contentTopic);
        },
      ),
      params(4),
    );
    expect(w.store.snapshot()).toEqual(initial);
  });

  it("exercised all three outcomes and many distinct reasons, with zero writes", () => {
    const total = outcomes.readable! + outcomes["badly-formed"]! + outcomes["not-for-me"]!;
    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(outcomes.readable).toBeGreaterThan(0);
    expect(outcomes["badly-formed"]).toBeGreaterThan(0);
    expect(outcomes["not-for-me"]).toBeGreaterThan(0);
    expect(reasons.size).toBeGreaterThanOrEqual(8);
    // The fixture runtimes never throw, so the decoder's last-resort reason never shows up.
    expect(reasons.has("internal-error")).toBe(false);
    expect(commits).toBe(0);
  });
});
