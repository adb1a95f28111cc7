/**
 * The PrivateV1 frame (`PrivateV1Frame`): its hand-written codec, checked against the protobuf runtime by
 * test/wire/hand-codecs.test.ts, and its frame id.
 */
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { create, fromBinary, type PrivateV1Frame, PrivateV1FrameSchema, toBinary } from "../index.js";
import { isUint32, LEN, lenFieldSize, VARINT, varintFieldSize, WireReader, WireWriter, wireText } from "./protowire.js";

/** The frame arms this client understands; `content` is the only one that reaches the application. */
export type PrivateV1FrameBody =
  | { readonly case: "content"; readonly value: Uint8Array }
  | { readonly case: "placeholder"; readonly value: { readonly counter: number } }
  | { readonly case: "groupControl"; readonly value: Uint8Array };

/** Field numbers of the frame arms. */
const ARM_FIELD = { content: 10, placeholder: 11, groupControl: 12 } as const;

/**
 * Exactly the bytes `toBinary(PrivateV1FrameSchema, ...)` writes for these fields, written by hand for the usual
 * case (a non-negative safe-integer timestamp, a known arm); anything else goes through the runtime.
 */
export function encodeFrame(conversationId: string, timestamp: number, body: PrivateV1FrameBody): Uint8Array {
  const field = ARM_FIELD[body.case];
  const counter = body.case === "placeholder" ? body.value.counter : 0;
  if (field === undefined || !Number.isSafeInteger(timestamp) || timestamp < 0 || !isUint32(counter)) {
    return encodeFrameByRuntime(conversationId, timestamp, body);
  }
  const id = wireText(conversationId);
  const armLength = body.case === "placeholder" ? (counter !== 0 ? varintFieldSize(counter) : 0) : body.value.length;
  const w = new WireWriter(
    (id.length > 0 ? lenFieldSize(id.length) : 0) +
      (timestamp !== 0 ? varintFieldSize(timestamp) : 0) +
      lenFieldSize(armLength),
  );
  if (id.length > 0) w.text(1, id);
  if (timestamp !== 0) w.varintField(3, timestamp);
  if (body.case === "placeholder") {
    w.tag(field, LEN);
    w.varint(armLength);
    if (counter !== 0) w.varintField(1, counter);
  } else {
    w.bytes(field, body.value);
  }
  return w.finish();
}

function encodeFrameByRuntime(conversationId: string, timestamp: number, body: PrivateV1FrameBody): Uint8Array {
  const frameType =
    body.case === "placeholder"
      ? { case: "placeholder" as const, value: { counter: body.value.counter } }
      : { case: body.case, value: body.value };
  return toBinary(
    PrivateV1FrameSchema,
    create(PrivateV1FrameSchema, { conversationId, timestamp: BigInt(timestamp), frameType }),
  );
}

/** Total. */
export function decodeFrame(bytes: Uint8Array): PrivateV1Frame | undefined {
  const fast = readCanonicalFrame(bytes);
  if (fast !== undefined) return fast;
  try {
    return fromBinary(PrivateV1FrameSchema, bytes);
  } catch {
    return undefined;
  }
}

/**
 * The canonical layout without the runtime: fields 1, 2, 3 and at most one arm, each once and in order, an
 * ASCII id, a timestamp in 0..2^49. Anything else (undefined) goes to `fromBinary`, which then decides.
 */
function readCanonicalFrame(bytes: Uint8Array): PrivateV1Frame | undefined {
  const r = new WireReader(bytes);
  const conversationId = r.asciiField(1);
  if (conversationId === undefined) return undefined;
  const sender = r.bytesField(2);
  if (sender === undefined) return undefined;
  const timestamp = r.at(3, VARINT) ? r.smallVarint() : 0;
  if (timestamp < 0) return undefined;
  let frameType: PrivateV1Frame["frameType"] = { case: undefined };
  const arm = r.at(10, LEN) ? "content" : r.at(11, LEN) ? "placeholder" : r.at(12, LEN) ? "groupControl" : undefined;
  if (arm !== undefined) {
    const value = r.bytes();
    if (value === undefined) return undefined;
    if (arm === "placeholder") {
      const p = new WireReader(value);
      const counter = p.uint32Field(1);
      if (counter < 0 || !p.done) return undefined;
      frameType = { case: arm, value: { $typeName: "logoschat.convos.private_v1.Placeholder", counter } };
    } else {
      frameType = { case: arm, value };
    }
  }
  if (!r.done) return undefined;
  return {
    $typeName: "logoschat.convos.private_v1.PrivateV1Frame",
    conversationId,
    sender,
    timestamp: BigInt(timestamp),
    frameType,
  };
}

/**
 * PRIVATE1 frame_id: lower hex of BLAKE2b-128 over the exact transmitted frame bytes (32 hex chars). It is
 * the application-level message id on both sides.
 */
export function frameId(crypto: CryptoProvider, frameBytes: Uint8Array): string {
  return toHex(crypto.blake2b(frameBytes, { dkLen: 16 }));
}
