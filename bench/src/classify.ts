/**
 * classify throughput for traffic that is not for us (the common case on a shared topic), with 10,000 known
 * conversations spread over 100 content topics, next to the plain EnvelopeV1 protobuf decode of the same
 * messages in the same run. A salted hint costs one BLAKE2s per conversation on the message's topic (100
 * here); a raw-id hint (libchat) costs a map lookup.
 */
import { type ConversationTypeRuntime, type ConversationTypeSpec, Registry } from "@parley/core";
import { conversationWriteOps, Decoder, sealEnvelope } from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore, seededRandom, VirtualClock } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import { forgedRows } from "./forged.js";
import { compare, type Section } from "./harness.js";

const CONVERSATIONS = 10_000;
const TOPICS = 100;
const MESSAGES = 1_000;

/** A minimal complete spec: the bench never opens anything, it only needs a registered type. */
const spec: ConversationTypeSpec = {
  name: "BenchV1",
  version: 1,
  summary: "Benchmark stand-in.",
  encryption: {
    scheme: "none",
    description: "Never opened in this benchmark.",
    primitives: [{ role: "aead", name: "ChaCha20-Poly1305" }],
    payloadArms: ["plaintext"],
  },
  frames: [{ name: "Bytes", schema: "bytes", description: "Opaque." }],
  encoding: { format: "protobuf3", description: "EnvelopeV1.", layers: ["EnvelopeV1"], schemaFiles: ["x.proto"] },
  contentTopic: { template: "/logos-chat/1/{delivery_address}/proto", deliveryAddress: "t{n}", description: "." },
  conversationId: { derivation: "bench-{n}", format: "string", description: "." },
};

const runtime: ConversationTypeRuntime<Uint8Array, Uint8Array> = {
  spec,
  open: (state, payload) =>
    payload.encryption.case === "plaintext"
      ? { ok: true, frame: payload.encryption.value.payload, nextState: state }
      : { ok: false, reason: "unexpected" },
  encodeState: (s) => s,
  decodeState: (b) => b,
};

export const classifySection: Section = async () => {
  const crypto = new NodeCryptoProvider({ random: seededRandom("bench/classify/crypto") });
  const random = seededRandom("bench/classify");
  const store = new MemoryStore();
  const registry = new Registry();
  registry.register(runtime);
  const decoder = new Decoder({ registry, crypto, store, clock: new VirtualClock() });
  const topic = (i: number) => `/logos-chat/1/${(i % TOPICS).toString(16).padStart(16, "0")}/proto`;
  for (let i = 0; i < CONVERSATIONS; i++) {
    const ref = { id: `bench-conversation-${i}`, type: "BenchV1", contentTopic: topic(i) };
    await store.commit(conversationWriteOps(ref, new Uint8Array(1)));
    decoder.index.add(ref);
  }

  // Messages for conversations we do not have, on topics we listen on, with a 200-byte payload.
  const payload = wire.toBinary(
    wire.EncryptedPayloadSchema,
    wire.create(wire.EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: random(200) } } }),
  );
  const salted = Array.from({ length: MESSAGES }, (_, i) => ({
    topic: topic(i),
    bytes: sealEnvelope({ crypto, random, conversationId: `stranger-${i}`, payload }),
  }));
  const raw = Array.from({ length: MESSAGES }, (_, i) => ({
    topic: topic(i),
    bytes: sealEnvelope({ crypto, random, conversationId: `stranger-${i}`, payload, rawHint: true }),
  }));

  // Sanity: every message really is not-for-me.
  for (const m of [...salted, ...raw]) {
    const r = await decoder.classify(m.bytes, m.topic);
    if (r.kind !== "not-for-me") throw new Error(`bench setup: expected not-for-me, got ${r.kind}`);
  }

  let a = 0;
  let b = 0;
  let c = 0;
  const results = await compare({
    decode: () => wire.fromBinary(wire.EnvelopeV1Schema, salted[a++ % MESSAGES]!.bytes),
    salted: async () => {
      const m = salted[b++ % MESSAGES]!;
      return decoder.classify(m.bytes, m.topic);
    },
    raw: async () => {
      const m = raw[c++ % MESSAGES]!;
      return decoder.classify(m.bytes, m.topic);
    },
  });
  const decode = results.decode!;
  const baseline = "EnvelopeV1 decode";
  const forged = await forgedRows();
  return {
    section: "classify",
    rows: [
      { name: "EnvelopeV1 protobuf decode", value: decode, unit: "msg/s" },
      {
        name: `classify not-for-me, salted hint (${CONVERSATIONS / TOPICS} convs/topic)`,
        value: results.salted!,
        unit: "msg/s",
        ratio: results.salted! / decode,
        baseline,
      },
      {
        name: "classify not-for-me, raw-id hint",
        value: results.raw!,
        unit: "msg/s",
        ratio: results.raw! / decode,
        baseline,
      },
      ...forged.rows,
    ],
    notes: [
      `${CONVERSATIONS} conversations over ${TOPICS} topics (${CONVERSATIONS / TOPICS} per topic); envelopes sealed with the ${crypto.name} provider`,
      `a salted hint costs one BLAKE2s-256 per conversation on the message's topic (crypto/hint-hash.ts): ${Math.round(
        results.salted! * (CONVERSATIONS / TOPICS),
      ).toLocaleString("en-US")} hint hashes/s`,
      ...forged.notes,
    ],
  };
};
