/**
 * What an authenticated but hostile PrivateV1 peer can send, built from the project's own layers (the
 * attacks of issue #19): SDS messages citing ids that never existed, and the segments of a frame of which
 * some are never sent. Each returns the sender's next state and the payloads to deliver.
 */

import { MAX_SEG_SIZE, type PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import type { PrivateV1State } from "../../src/conversations/private-v1/state.js";
import { toDoubleratchetProto } from "../../src/primitives/ratchet/index.js";
import { encodeSdsMessage, messageIdFor } from "../../src/primitives/sds/index.js";
import { segmentPayload } from "../../src/primitives/segmentation/index.js";
import { encodeFrame } from "../../src/wire/hand/private-v1-frame.js";
import { create, type EncryptedPayload, EncryptedPayloadSchema } from "../../src/wire/index.js";

export interface Sealed {
  readonly state: PrivateV1State;
  readonly payloads: readonly EncryptedPayload[];
}

/** Seals SDS plaintexts as the peer's next ratchet messages. */
export function sealPlain(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  plaintexts: readonly Uint8Array[],
  now: number,
): Sealed {
  const dr = engine.ratchet(state);
  let ratchet = state.ratchet;
  const payloads = plaintexts.map((plain) => {
    const r = dr.encrypt(ratchet, plain, now);
    ratchet = r.state;
    return create(EncryptedPayloadSchema, {
      encryption: { case: "doubleratchet", value: toDoubleratchetProto(r.message) },
    });
  });
  return { state: { ...state, ratchet }, payloads };
}

/** `count` content messages, each citing `cites` ids that no one sent (the missing-dependency bomb). */
export function dependencyBomb(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  count: number,
  cites: number,
  now: number,
  tag = 0,
): Sealed {
  const hex = (n: number) => n.toString(16).padStart(32, "0");
  const plain = Array.from({ length: count }, (_, m) =>
    encodeSdsMessage({
      senderId: state.localId,
      messageId: hex(0xb0_0000_0000 + tag * 1_000_000 + m),
      channelId: state.sds.channelId,
      lamport: BigInt(now + m),
      causalHistory: Array.from({ length: cites }, (_, k) => ({
        messageId: hex(0xf0_0000_0000 + (tag * 1_000 + m) * 10_000 + k),
      })),
      content: new Uint8Array([1, 2, 3]),
    }),
  );
  return sealPlain(engine, state, plain, now);
}

/**
 * The segments `indexes` of a content frame of `bytes` bytes, each an SDS message of the peer as its engine
 * would send it; the others are never sent, so the frame never completes (the segment bomb).
 */
export function partialFrame(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  bytes: number,
  indexes: readonly number[],
  now: number,
): Sealed & { readonly segments: number } {
  const frame = encodeFrame(state.localId, now, {
    case: "content",
    value: new Uint8Array(bytes).fill(now & 0xff),
  });
  const segments = segmentPayload(engine.crypto, frame, { maxSegmentSize: MAX_SEG_SIZE });
  let sds = state.sds;
  const plain: Uint8Array[] = [];
  for (const i of indexes) {
    const segment = segments[i]!;
    const step = engine.sds.send(sds, segment, messageIdFor(engine.crypto, segment), now);
    sds = step.state;
    plain.push(step.outgoing[0]!.bytes);
  }
  // Nothing of these is kept for resending: the peer never means to complete them.
  const sealed = sealPlain(engine, { ...state, sds: { ...sds, outgoing: state.sds.outgoing } }, plain, now);
  return { ...sealed, segments: segments.length };
}
