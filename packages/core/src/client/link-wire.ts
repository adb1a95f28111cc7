/**
 * The bytes of linking over the network (docs/ACCOUNTS.md §4): the four link payloads carried as control
 * payloads over the link conversation, and the records each side keeps so that a restart between any two
 * messages resumes the link or leaves it unfinished, never half adopted. Decoders are total.
 */
import { ByteReader, ByteWriter, TruncatedInput } from "../base/binary.js";
import { concatBytes, constantTimeEqual, utf8 } from "../base/bytes.js";
import { LINK_NONCE_BYTES, SAS_WORD_COUNT } from "../identity/account/sas.js";
import { ClientError } from "./errors.js";

/**
 * Marks a control payload as a link payload (then a kind byte): no GroupV1 or AccountDirectV1 frame starts with
 * these bytes. Version 2: the commitment exchange before the offer.
 */
export const LINK_PAYLOAD_PREFIX = utf8("parley-link-2\u0000");

/** The new device's record that it showed a link code (the code's bundle key), kept across a restart. */
export const LINK_PENDING_KEY = "link-pending";
/** The new device's link in progress: the one conversation whose commitment it took. */
export const LINK_DEVICE_KEY = "link-device";
/** The primary's link in progress: its nonce, kept until the offer is sent or the link replaced. */
export const LINK_PRIMARY_KEY = "link-primary";

/**
 * In order: the primary's `commit` = BLAKE2b(nP); the device's `nonce` nD; the primary's `reveal` of nP; after
 * the user confirmed matching words, the primary's `offer` of the next signed device list.
 */
export type LinkPayload =
  | { readonly kind: "commit"; readonly commitment: Uint8Array }
  | { readonly kind: "nonce"; readonly nonce: Uint8Array }
  | { readonly kind: "reveal"; readonly nonce: Uint8Array }
  | { readonly kind: "offer"; readonly list: Uint8Array };

const KINDS = ["commit", "nonce", "reveal", "offer"] as const;

export function isLinkPayload(payload: Uint8Array): boolean {
  const n = LINK_PAYLOAD_PREFIX.length;
  return payload.length > n && constantTimeEqual(payload.subarray(0, n), LINK_PAYLOAD_PREFIX);
}

export function encodeLinkPayload(p: LinkPayload): Uint8Array {
  const body = p.kind === "commit" ? p.commitment : p.kind === "offer" ? p.list : p.nonce;
  return concatBytes(LINK_PAYLOAD_PREFIX, Uint8Array.of(KINDS.indexOf(p.kind) + 1), body);
}

/** Total: a payload with the link prefix and a known kind of the right size, else `link-payload-malformed`. */
export function decodeLinkPayload(payload: Uint8Array): LinkPayload {
  const n = LINK_PAYLOAD_PREFIX.length;
  const bad = () => new ClientError("link-payload-malformed", "not a link payload");
  if (!isLinkPayload(payload)) throw bad();
  const kind = KINDS[payload[n]! - 1];
  const body = payload.slice(n + 1);
  if (kind === "offer") {
    if (body.length === 0) throw bad();
    return { kind, list: body };
  }
  if (kind === undefined || body.length !== LINK_NONCE_BYTES) throw bad();
  return kind === "commit" ? { kind, commitment: body } : { kind, nonce: body };
}

/** New device: the bundle key of the link code it shows. */
export function encodePending(bundleKey: Uint8Array): Uint8Array {
  return new ByteWriter().u8(2).raw(bundleKey).finish();
}

export function decodePending(bytes: Uint8Array | undefined): Uint8Array | undefined {
  return read(bytes, (r) => (r.u8() === 2 ? r.raw(32) : undefined));
}

/** New device: the commitment taken over `conversationId`, its own nonce, and the words once revealed. */
export interface DeviceLink {
  readonly conversationId: string;
  readonly commitment: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sas: Uint8Array | undefined;
}

export function encodeDeviceLink(d: DeviceLink): Uint8Array {
  return new ByteWriter().u8(1).string(d.conversationId).raw(d.commitment).raw(d.nonce).optBytes(d.sas).finish();
}

export function decodeDeviceLink(bytes: Uint8Array | undefined): DeviceLink | undefined {
  return read(bytes, (r) => {
    if (r.u8() !== 1) return undefined;
    const conversationId = r.string();
    const commitment = r.raw(32);
    const nonce = r.raw(LINK_NONCE_BYTES);
    const sas = r.optBytes();
    if (sas && sas.length !== SAS_WORD_COUNT) return undefined;
    return { conversationId, commitment, nonce, sas };
  });
}

/** Primary: the link conversation, the device and bundle key of its code, its nonce, the words once known. */
export interface PrimaryLink {
  readonly conversationId: string;
  readonly device: Uint8Array;
  readonly bundleKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sas: Uint8Array | undefined;
}

export function encodePrimaryLink(p: PrimaryLink): Uint8Array {
  const w = new ByteWriter().u8(1).string(p.conversationId).raw(p.device).raw(p.bundleKey).raw(p.nonce);
  return w.optBytes(p.sas).finish();
}

export function decodePrimaryLink(bytes: Uint8Array | undefined): PrimaryLink | undefined {
  return read(bytes, (r) => {
    if (r.u8() !== 1) return undefined;
    const conversationId = r.string();
    const device = r.raw(32);
    const bundleKey = r.raw(32);
    const nonce = r.raw(LINK_NONCE_BYTES);
    const sas = r.optBytes();
    if (sas && sas.length !== SAS_WORD_COUNT) return undefined;
    return { conversationId, device, bundleKey, nonce, sas };
  });
}

/** Total: undefined for absent, truncated, trailing or otherwise malformed bytes. */
function read<T>(bytes: Uint8Array | undefined, body: (r: ByteReader) => T | undefined): T | undefined {
  if (bytes === undefined) return undefined;
  try {
    const r = new ByteReader(bytes);
    const v = body(r);
    return r.done ? v : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}
