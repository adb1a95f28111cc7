/**
 * The hand-written codecs of the content layer's two per-message protobufs, `ContentFrame` (domain, tag,
 * payload) and the text content (`TextContent`, one string): every text message is encoded by both on send and
 * decoded by both on receipt, and the protobuf runtime's reflection took ~25 µs a send and ~15 µs a receipt.
 * Exactly the runtime's bytes and results (test/wire/hand-content.test.ts); anything off the fast path (a
 * non-ASCII text, a non-canonical layout) goes to the runtime, which decides.
 */
import { type ContentFrame, ContentFrameSchema, create, fromBinary, TextContentSchema, toBinary } from "../index.js";
import { isUint32, lenFieldSize, varintFieldSize, WireReader, WireWriter } from "./protowire.js";

/** What a ContentFrame carries (the runtime's message without its type name). */
export type ContentFrameFields = Pick<ContentFrame, "domainId" | "tag" | "payload">;

/** Exactly the bytes `toBinary(ContentFrameSchema, ...)` writes (fields in number order, zero values left out). */
export function encodeContentFrame(domainId: number, tag: number, payload: Uint8Array): Uint8Array {
  if (!isUint32(domainId) || !isUint32(tag))
    return toBinary(ContentFrameSchema, create(ContentFrameSchema, { domainId, tag, payload }));
  const w = new WireWriter(
    (domainId !== 0 ? varintFieldSize(domainId) : 0) +
      (tag !== 0 ? varintFieldSize(tag, 2) : 0) +
      (payload.length > 0 ? lenFieldSize(payload.length, 3) : 0),
  );
  if (domainId !== 0) w.varintField(1, domainId);
  if (tag !== 0) w.varintField(2, tag);
  if (payload.length > 0) w.bytes(3, payload);
  return w.finish();
}

/** The runtime's decoding of a ContentFrame; throws where it throws. */
export function decodeContentFrame(bytes: Uint8Array): ContentFrameFields {
  const r = new WireReader(bytes);
  const domainId = r.uint32Field(1);
  const tag = r.uint32Field(2);
  const payload = domainId < 0 || tag < 0 ? undefined : r.bytesField(3);
  if (payload !== undefined && r.done) return { domainId, tag, payload };
  return fromBinary(ContentFrameSchema, bytes);
}

/** Exactly the bytes `toBinary(TextContentSchema, { text })` writes; throws where it throws. */
export function encodeTextContent(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++)
    if (text.charCodeAt(i) >= 0x80) return toBinary(TextContentSchema, create(TextContentSchema, { text }));
  if (text.length === 0) return new Uint8Array(0);
  const w = new WireWriter(lenFieldSize(text.length));
  w.text(1, text);
  return w.finish();
}

/** The runtime's decoding of a text content's string; throws where it throws (invalid UTF-8 among them). */
export function decodeTextContent(bytes: Uint8Array): string {
  const r = new WireReader(bytes);
  const text = r.asciiField(1);
  if (text !== undefined && r.done) return text;
  return fromBinary(TextContentSchema, bytes).text;
}
