/**
 * PrivateV1 primitives. Double Ratchet encrypt+decrypt of 256 B next to raw ChaCha20-Poly1305 seal+open of the
 * same bytes with the same provider (ratio = ratchet ops/s ÷ raw ops/s), one-way and ping-pong (a DH ratchet
 * step per message). SDS bytes per message for a 256-byte content, ours (filter in sync messages only) next to
 * js-waku's choice (its 18,752-byte filter in every message), and the whole PrivateV1 stack on the wire.
 */
import { type CryptoProvider, NobleCryptoProvider, toHex } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import {
  DoubleRatchet,
  JS_WAKU_BLOOM,
  messageIdFor,
  type RatchetState,
  Sds,
  type SdsOptions,
  type SdsState,
  segmentPayload,
  toDoubleratchetProto,
} from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import { compare, type Row, type Section } from "./harness.js";

const T0 = 1_700_000_000_000;

export const primitivesSection: Section = async () => {
  const rows: Row[] = [];
  for (const crypto of [
    new NodeCryptoProvider({ random: seededRandom("bench/primitives/node") }),
    new NobleCryptoProvider({ random: seededRandom("bench/primitives/noble") }),
  ] as CryptoProvider[]) {
    rows.push(...(await ratchetRows(crypto)));
  }
  rows.push(...sdsRows());
  return {
    section: "primitives",
    rows,
    notes: [
      "ratchet rows: one op = encrypt + decrypt of 256 B; baseline = raw AEAD seal + open of 256 B, same provider",
      "bytes rows: steady state (causal history full) of a chat where each side answers every message",
    ],
  };
};

async function ratchetRows(crypto: CryptoProvider): Promise<Row[]> {
  const dr = new DoubleRatchet({ crypto });
  const sk = crypto.randomBytes(32);
  const bobKey = crypto.x25519GenerateKeyPair();
  let a = dr.initSender(sk, bobKey.publicKey);
  let b = dr.initReceiver(sk, bobKey);
  const text = crypto.randomBytes(256);
  const key = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(12);
  let now = T0;
  let turn = 0;
  const results = await compare({
    raw: () => crypto.aeadOpen(key, nonce, crypto.aeadSeal(key, nonce, text)),
    oneWay: () => {
      const e = dr.encrypt(a, text);
      a = e.state;
      const d = dr.decrypt(b, e.message, now++);
      if (!d.ok) throw d.error;
      b = d.state;
    },
    pingPong: () => {
      // Alternate directions: every message starts a new chain (a DH ratchet step on both sides).
      const [from, to] = turn++ % 2 === 0 ? [a, b] : [b, a];
      const e = dr.encrypt(from, text);
      const d = dr.decrypt(to, e.message, now++);
      if (!d.ok) throw d.error;
      if (turn % 2 === 1) [a, b] = [e.state, d.state];
      else [b, a] = [e.state, d.state];
    },
  });
  const baseline = `raw ChaCha20-Poly1305 seal+open (${crypto.name})`;
  return [
    { name: baseline, value: results.raw!, unit: "ops/s" },
    {
      name: `ratchet encrypt+decrypt 256 B, one-way (${crypto.name})`,
      value: results.oneWay!,
      unit: "ops/s",
      ratio: results.oneWay! / results.raw!,
      baseline,
    },
    {
      name: `ratchet encrypt+decrypt 256 B, ping-pong (${crypto.name})`,
      value: results.pingPong!,
      unit: "ops/s",
      ratio: results.pingPong! / results.raw!,
      baseline,
    },
  ];
}

interface Sizes {
  sds: number;
  sync: number;
  envelope: number;
}

/** Steady-state sizes of what A sends in a chat where B answers every message. */
function measure(options: SdsOptions): Sizes {
  const crypto = new NobleCryptoProvider({ random: seededRandom("bench/primitives/bytes") });
  const dr = new DoubleRatchet({ crypto });
  const sds = new Sds({ ackDelayMs: 0, ...options });
  const idA = toHex(crypto.randomBytes(18));
  const idB = toHex(crypto.randomBytes(18));
  const bobKey = crypto.x25519GenerateKeyPair();
  const sk = crypto.randomBytes(32);
  const ratchet: RatchetState[] = [dr.initSender(sk, bobKey.publicKey), dr.initReceiver(sk, bobKey)];
  const channel: SdsState[] = [sds.init(idA, idA, T0), sds.init(idA, idB, T0)];
  let now = T0;
  let last: Sizes = { sds: 0, sync: 0, envelope: 0 };
  const text = new Uint8Array(256).fill(0x61);
  for (let k = 0; k < 12; k++) {
    const i = (k % 2) as 0 | 1;
    const other = (1 - i) as 0 | 1;
    now += 1000;
    const content = wire.toBinary(
      wire.ContentFrameSchema,
      wire.create(wire.ContentFrameSchema, { domainId: 0, tag: 1, payload: text }),
    );
    const frame = wire.toBinary(
      wire.PrivateV1FrameSchema,
      wire.create(wire.PrivateV1FrameSchema, {
        conversationId: i === 0 ? idA : idB,
        timestamp: BigInt(now),
        frameType: { case: "content", value: content },
      }),
    );
    const [segment] = segmentPayload(crypto, frame);
    const step = sds.send(channel[i]!, segment!, messageIdFor(crypto, segment!), now);
    channel[i] = step.state;
    const sdsBytes = step.outgoing[0]!.bytes;
    const enc = dr.encrypt(ratchet[i]!, sdsBytes);
    ratchet[i] = enc.state;
    const envelope = wire.toBinary(
      wire.EnvelopeV1Schema,
      wire.create(wire.EnvelopeV1Schema, {
        conversationHint: toHex(crypto.randomBytes(32)),
        salt: 0xfedcba9876543210n,
        payload: wire.toBinary(
          wire.EncryptedPayloadSchema,
          wire.create(wire.EncryptedPayloadSchema, {
            encryption: { case: "doubleratchet", value: toDoubleratchetProto(enc.message) },
          }),
        ),
      }),
    );
    const d = dr.decrypt(ratchet[other]!, enc.message, now);
    if (!d.ok) throw d.error;
    ratchet[other] = d.state;
    const r = sds.receive(channel[other]!, d.plaintext, now);
    if (!r.ok) throw r.error;
    channel[other] = r.state;
    if (i === 0) {
      const sync = sds.sync(channel[0]!, now).outgoing[0];
      last = { sds: sdsBytes.length - segment!.length, sync: sync?.bytes.length ?? 0, envelope: envelope.length };
    }
  }
  return last;
}

function sdsRows(): Row[] {
  const ours = measure({});
  const js = measure({ bloom: JS_WAKU_BLOOM, bloomIn: "all", historySenderIds: true, causalHistorySize: 200 });
  const jsBaseline = "js-waku defaults (filter in every message, 200 history)";
  return [
    { name: jsBaseline, value: js.sds, unit: "B/msg" },
    {
      name: "SDS overhead per content message (ours)",
      value: ours.sds,
      unit: "B/msg",
      ratio: ours.sds / js.sds,
      baseline: jsBaseline,
    },
    { name: "SDS sync message (ours, 2000/0.001 filter)", value: ours.sync, unit: "B" },
    { name: "PrivateV1 on the wire, 256 B text (js-waku-style SDS)", value: js.envelope, unit: "B" },
    {
      name: "PrivateV1 on the wire, 256 B text (ours)",
      value: ours.envelope,
      unit: "B",
      ratio: ours.envelope / js.envelope,
      baseline: "PrivateV1 on the wire, 256 B text (js-waku-style SDS)",
    },
  ];
}
