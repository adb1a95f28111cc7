/**
 * PrivateV1 through the Client (full pipeline: ContentFrame, PrivateV1Frame, segmentation, SDS, Double Ratchet,
 * envelope with salted hint, classify, one MemoryStore transaction per step) next to, in the same run:
 *   - raw ChaCha20-Poly1305 seal + open (node:crypto), the floor of any AEAD-based design;
 *   - @signalapp/libsignal-client (Rust, native) with in-memory stores.
 * Parley runs on the node:crypto provider. Ratios are Parley ÷ peer (ops/s: below 1 means slower).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ContentCodecs, text as textContent } from "@parley/core";
import {
  encodeEncryptedPayload,
  encodeFrame,
  MAX_SEG_SIZE,
  PrivateV1Engine,
  sealEnvelope,
} from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { segmentPayload } from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import { processPreKeyBundle } from "@signalapp/libsignal-client";
import { oneWay, parleyPair, pingPong } from "./client-pair.js";
import { compare, type Row, type Section } from "./harness.js";
import { signalEncryptTo, signalPair, signalParty, signalReceive } from "./libsignal.js";
import { pipelineOneWay, pipelinePair, pipelinePingPong, sessionStates } from "./pipeline.js";

/** Parley on the node:crypto provider, seeded per party. */
function nodePair(seed: string) {
  return parleyPair({ crypto: (name) => new NodeCryptoProvider({ random: seededRandom(`${seed}/${name}`) }) });
}

// ---------- raw AEAD ----------

function rawAead(size: number): () => void {
  const key = randomBytes(32);
  const msg = randomBytes(size);
  return () => {
    const nonce = randomBytes(12);
    const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    const ct = Buffer.concat([c.update(msg), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    d.setAuthTag(tag);
    Buffer.concat([d.update(ct), d.final()]);
  };
}

// ---------- bytes on the wire ----------

function wireRows(): Row[] {
  const crypto = new NodeCryptoProvider({ random: seededRandom("bench/wire") });
  const engine = new PrivateV1Engine(crypto);
  let { alice, bob } = sessionStates(crypto, engine, 1_000);
  const codecs = new ContentCodecs();
  // Warm both sides (first message, one reply) so the numbers are steady-state, not the invite.
  const first = engine.send(alice, { case: "content", value: codecs.encode(textContent("hi")) }, 2_000);
  alice = first.state;
  for (const o of first.outgoing) {
    const r = engine.open(bob, o.payload, 2_000);
    if (r.ok) bob = r.state;
  }
  const rows: Row[] = [];
  for (const [label, size] of [
    ["256 B text", 256],
    ["100 KiB content", 100 * 1024],
  ] as const) {
    const content = codecs.encode(textContent("x".repeat(size)));
    const frame = encodeFrame(alice.localId, 3_000, { case: "content", value: content });
    const segments = segmentPayload(crypto, frame, { maxSegmentSize: MAX_SEG_SIZE });
    const sent = engine.send(alice, { case: "content", value: content }, 3_000);
    alice = sent.state;
    const payloads = sent.outgoing.map((o) => encodeEncryptedPayload(o.payload));
    const envelopes = sent.outgoing.map((o) =>
      sealEnvelope({ crypto, random: seededRandom("salt"), conversationId: o.conversationHint, payload: o.payload }),
    );
    const ciphertexts = sent.outgoing.map((o) =>
      o.payload.encryption.case === "doubleratchet" ? o.payload.encryption.value.ciphertext.length : 0,
    );
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    const sds = sum(ciphertexts) - 28 * ciphertexts.length;
    const add = (name: string, value: number) => rows.push({ name: `wire ${label}: ${name}`, value, unit: "bytes" });
    add("application text", size);
    add("ContentFrame", content.length);
    add("PrivateV1Frame", frame.length);
    add(`SegmentMessage × ${segments.length}`, sum(segments.map((s) => s.length)));
    add("SdsMessage (ratchet plaintext)", sds);
    add("EncryptedPayload (Double Ratchet)", sum(payloads.map((p) => p.length)));
    rows.push({
      name: `wire ${label}: EnvelopeV1 (on the wire)`,
      value: sum(envelopes.map((e) => e.length)),
      unit: "bytes",
      ratio: sum(envelopes.map((e) => e.length)) / size,
      baseline: "application bytes",
    });
  }
  // A sync message (acknowledgements; carries the Bloom filter).
  const sweep = engine.sweep(bob, 10_000);
  const sync = sweep.outgoing.map(
    (o) =>
      sealEnvelope({ crypto, random: seededRandom("s"), conversationId: o.conversationHint, payload: o.payload })
        .length,
  );
  if (sync.length > 0)
    rows.push({ name: "wire sync message (acks + Bloom filter): EnvelopeV1", value: sync[0]!, unit: "bytes" });
  return rows;
}

// ---------- the section ----------

/** Runs each candidate `n` times before measuring: JIT warm-up, and Parley's SDS state at its steady size. */
async function warm(candidates: Record<string, () => unknown>, n: number): Promise<void> {
  for (const fn of Object.values(candidates)) for (let i = 0; i < n; i++) await fn();
}

export const privateV1Section: Section = async () => {
  const text = "x".repeat(256);
  const body = new Uint8Array(256).fill(120);
  const rows: Row[] = [];

  // One-way throughput.
  const p1 = await nodePair("bench/one-way");
  const s1 = await signalPair();
  const pipe1 = await pipelinePair("bench/pipeline-one-way", 256);
  const oneWayCandidates = {
    parley: oneWay(p1, text),
    pipeline: pipelineOneWay(pipe1),
    aead: rawAead(256),
    libsignal: async () => {
      await signalReceive(s1.bob, s1.alice, await signalEncryptTo(s1.alice, s1.bob, body));
    },
  };
  await warm(oneWayCandidates, 1_500);
  const oneWayRates = await compare(oneWayCandidates, 5, 300);
  rows.push({
    name: "one-way 256 B: Parley PrivateV1 (Client, full pipeline)",
    value: oneWayRates.parley!,
    unit: "msg/s",
  });
  rows.push({
    name: "one-way 256 B: Parley PrivateV1 pipeline (engine + envelope + store, no Client)",
    value: oneWayRates.pipeline!,
    unit: "msg/s",
  });
  rows.push({
    name: "one-way 256 B: pipeline vs raw ChaCha20-Poly1305 seal+open",
    value: oneWayRates.aead!,
    unit: "msg/s",
    ratio: oneWayRates.pipeline! / oneWayRates.aead!,
    baseline: "raw AEAD",
  });
  rows.push({
    name: "one-way 256 B: pipeline vs libsignal encrypt+decrypt",
    value: oneWayRates.libsignal!,
    unit: "msg/s",
    ratio: oneWayRates.pipeline! / oneWayRates.libsignal!,
    baseline: "libsignal",
  });
  rows.push({
    name: "one-way 256 B: Client vs raw ChaCha20-Poly1305 seal+open",
    value: oneWayRates.aead!,
    unit: "msg/s",
    ratio: oneWayRates.parley! / oneWayRates.aead!,
    baseline: "raw AEAD",
  });
  rows.push({
    name: "one-way 256 B: Client vs libsignal encrypt+decrypt",
    value: oneWayRates.libsignal!,
    unit: "msg/s",
    ratio: oneWayRates.parley! / oneWayRates.libsignal!,
    baseline: "libsignal",
  });

  // Ping-pong (every message ratchets the DH).
  const p2 = await nodePair("bench/ping-pong");
  const s2 = await signalPair();
  const pipe2 = await pipelinePair("bench/pipeline-ping-pong", 256);
  const ppCandidates = {
    parley: pingPong(p2, text),
    pipeline: pipelinePingPong(pipe2),
    libsignal: async () => {
      await signalReceive(s2.bob, s2.alice, await signalEncryptTo(s2.alice, s2.bob, body));
      await signalReceive(s2.alice, s2.bob, await signalEncryptTo(s2.bob, s2.alice, body));
    },
  };
  await warm(ppCandidates, 500);
  const pp = await compare(ppCandidates, 5, 300);
  rows.push({ name: "ping-pong 256 B: Parley PrivateV1 (Client) round trips", value: pp.parley!, unit: "rt/s" });
  rows.push({
    name: "ping-pong 256 B: Parley PrivateV1 pipeline (no Client) round trips",
    value: pp.pipeline!,
    unit: "rt/s",
  });
  rows.push({
    name: "ping-pong 256 B: pipeline vs libsignal round trips",
    value: pp.libsignal!,
    unit: "rt/s",
    ratio: pp.pipeline! / pp.libsignal!,
    baseline: "libsignal",
  });
  rows.push({
    name: "ping-pong 256 B: Client vs libsignal round trips",
    value: pp.libsignal!,
    unit: "rt/s",
    ratio: pp.parley! / pp.libsignal!,
    baseline: "libsignal",
  });

  // Session setup: bundle in hand → first message decrypted by the recipient.
  const p3 = await nodePair("bench/setup");
  const bobBundle = await p3.bob.introBundle();
  const s3 = await signalPair();
  let n = 0;
  const setupCandidates = {
    parley: async () => {
      await p3.alice.startConversation(bobBundle, text);
      for (const m of p3.aOut.take()) await p3.bob.ingest(m.topic, m.payload);
    },
    libsignal: async () => {
      const alice = signalParty(`alice-${n++}`, 3);
      await processPreKeyBundle(s3.bundle, s3.bob.address, alice.address, alice.sessions, alice.identity);
      await signalReceive(s3.bob, alice, await signalEncryptTo(alice, s3.bob, body));
    },
  };
  await warm(setupCandidates, 50);
  const setup = await compare(setupCandidates, 5, 300);
  rows.push({
    name: "session setup: Parley bundle → invite → first message read",
    value: setup.parley!,
    unit: "setups/s",
  });
  rows.push({
    name: "session setup: Client vs libsignal PQXDH bundle → first message read",
    value: setup.libsignal!,
    unit: "setups/s",
    ratio: setup.parley! / setup.libsignal!,
    baseline: "libsignal",
  });

  rows.push(...wireRows());
  const c = await signalEncryptTo(s1.alice, s1.bob, body);
  await signalReceive(s1.bob, s1.alice, c);
  rows.push({ name: "wire 256 B text: libsignal SignalMessage", value: c.serialize().length, unit: "bytes" });

  for (const c of [p1, p2, p3]) {
    await c.alice.close();
    await c.bob.close();
  }
  return {
    section: "private-v1",
    rows,
    notes: [
      "Rows named 'X vs Y' show Y's rate and the ratio X ÷ Y. Pipeline = the PrivateV1 engine, envelope, classify and state commits to a MemoryStore, no Client (bench/src/pipeline.ts): the layer a Signal session is comparable to.",
      "Client = Client.send + Client.ingest with MemoryStore (one transaction per step, plus history, delivery states and events), node:crypto provider; every 32 one-way messages the receiver sends a sync (ack) message, counted in the rate. Every candidate is warmed up first (Parley's SDS state then holds its full 1,000-id window).",
      "libsignal = signalEncrypt + signalDecrypt with in-memory stores (native Rust); session setup includes Kyber (PQXDH) on its side, X25519 Noise XK0 + XEdDSA-signed bundle on ours.",
      "The invite path and the Bloom filter make Parley's first message and sync messages larger; steady-state rows exclude them.",
    ],
  };
};
