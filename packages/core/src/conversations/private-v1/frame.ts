import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { create, fromBinary, type PrivateV1Frame, PrivateV1FrameSchema, toBinary } from "../../wire/index.js";

/** The frame arms this client understands; `content` is the only one that reaches the application. */
export type PrivateV1FrameBody =
  | { readonly case: "content"; readonly value: Uint8Array }
  | { readonly case: "placeholder"; readonly value: { readonly counter: number } }
  | { readonly case: "groupControl"; readonly value: Uint8Array };

export function encodeFrame(conversationId: string, timestamp: number, body: PrivateV1FrameBody): Uint8Array {
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
  try {
    return fromBinary(PrivateV1FrameSchema, bytes);
  } catch {
    return undefined;
  }
}

/**
 * PRIVATE1 frame_id: lower hex of BLAKE2b-128 over the exact transmitted frame bytes (32 hex chars). It is
 * the application-level message id on both sides.
 */
export function frameId(crypto: CryptoProvider, frameBytes: Uint8Array): string {
  return toHex(crypto.blake2b(frameBytes, { dkLen: 16 }));
}
