/**
 * What an unauthenticated envelope costs the receiver (issue 11, item 11). Anyone who saw one envelope of a
 * conversation can replay its hint and salt, so the receiver's decoder finds the conversation and opens the
 * payload. Three kinds of payload behind a replayed hint, classified by the receiver of an established
 * PrivateV1 pipeline in the same run:
 *   - garbage: random bytes (the baseline: hint match, payload decode, refused);
 *   - forged on the current chain: the observed ratchet header with n = recvN + 1000 and random ciphertext;
 *   - forged with a fresh random ratchet key and pn = n = 1000 (a new one for every envelope), and with n = 16.
 * Rows give envelopes per second; the ratios are garbage's rate ÷ the forgery's (how many garbage envelopes
 * one forgery costs). None of them changes the receiver's state.
 */

import { decodeEncryptedPayload, decodeEnvelope, encodeEncryptedPayload, encodeEnvelope } from "@parley/core/internals";
import * as wire from "@parley/core/wire";
import { compare, type Row } from "./harness.js";
import { pipelinePair } from "./pipeline.js";

const VARIANTS = 512;

export async function forgedRows(): Promise<{ rows: Row[]; notes: string[] }> {
  const p = await pipelinePair("bench/forged", 256);
  const [observed] = await p.alice.send(p.content);
  const env = decodeEnvelope(observed!.payload);
  if (!env.ok) throw new Error("bench setup: envelope");
  const { conversationHint, salt } = env.value;
  const decoded = decodeEncryptedPayload(env.value.payload);
  if (!decoded.ok || decoded.value.encryption.case !== "doubleratchet") throw new Error("bench setup: payload");
  const header = decoded.value.encryption.value;
  const topic = observed!.topic;
  const random = (n: number) => p.bob.crypto.randomBytes(n);
  const seal = (payload: Uint8Array) => encodeEnvelope({ conversationHint, salt, payload });
  const ratchet = (dh: Uint8Array, msgNum: number, prevChainLen: number) =>
    seal(
      encodeEncryptedPayload(
        wire.create(wire.EncryptedPayloadSchema, {
          encryption: {
            case: "doubleratchet",
            value: { dh, msgNum, prevChainLen, ciphertext: random(header.ciphertext.length) },
          },
        }),
      ),
    );
  const garbage = Array.from({ length: VARIANTS }, () => seal(random(env.value.payload.length)));
  const sameChain = Array.from({ length: VARIANTS }, () => ratchet(header.dh, header.msgNum + 1000, 0));
  const freshKey = Array.from({ length: VARIANTS }, () => ratchet(random(32), 1000, 1000));
  // The most a fresh-key forgery costs once a receiving window's budget is spent (receiver-cache.ts).
  const freshNear = Array.from({ length: VARIANTS }, () => ratchet(random(32), 16, 1000));

  // Sanity: none of them is readable, and the receiver's stored state is the same after all of them.
  const revision = p.bob.store.revision;
  for (const bytes of [...garbage, ...sameChain, ...freshKey, ...freshNear]) {
    const r = await p.bob.decoder.classify(bytes, topic);
    if (r.kind !== "badly-formed") throw new Error(`bench setup: a forgery was ${r.kind}`);
  }
  if (p.bob.store.revision !== revision) throw new Error("bench setup: a forgery changed stored state");

  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const rates = await compare({
    garbage: () => p.bob.decoder.classify(garbage[a++ % VARIANTS]!, topic),
    sameChain: () => p.bob.decoder.classify(sameChain[b++ % VARIANTS]!, topic),
    freshKey: () => p.bob.decoder.classify(freshKey[c++ % VARIANTS]!, topic),
    freshNear: () => p.bob.decoder.classify(freshNear[d++ % VARIANTS]!, topic),
  });
  const baseline = "garbage (cost ratio)";
  return {
    rows: [
      { name: "classify replayed hint, garbage payload", value: rates.garbage!, unit: "msg/s" },
      {
        name: "classify forged ratchet header, n = recvN + 1000",
        value: rates.sameChain!,
        unit: "msg/s",
        ratio: rates.garbage! / rates.sameChain!,
        baseline,
      },
      {
        name: "classify forged, fresh ratchet key, pn = n = 1000",
        value: rates.freshKey!,
        unit: "msg/s",
        ratio: rates.garbage! / rates.freshKey!,
        baseline,
      },
      {
        name: "classify forged, fresh ratchet key, n = 16",
        value: rates.freshNear!,
        unit: "msg/s",
        ratio: rates.garbage! / rates.freshNear!,
        baseline,
      },
    ],
    notes: [
      `forgeries replay the hint and salt of one observed envelope; ${VARIANTS} variants of each kind, cycled (the fresh-key ones each carry their own random key); rates are steady state, after the sanity pass has made each kind's first forgery`,
    ],
  };
}
