/**
 * Group name and description as the MLS group-context extension 0xFF01, encoded exactly like libchat's
 * `ConvoMetaInfo` (TLS: version u16 = 1, then name and description as MLS variable-length vectors). Being in
 * the group context, the metadata is agreed by every member at every epoch and changes only by commit, so it
 * follows the same fork-free ordering as membership.
 */
import { concatBytes, fromUtf8, utf8 } from "../../base/bytes.js";

export const METADATA_EXTENSION_TYPE = 0xff01;
const VERSION = 1;

export interface GroupMetadata {
  readonly name: string;
  readonly description: string;
}

function encodeVarint(n: number): Uint8Array {
  if (n < 0x40) return new Uint8Array([n]);
  if (n < 0x4000) return new Uint8Array([0x40 | (n >> 8), n & 0xff]);
  return new Uint8Array([0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

function decodeVarint(b: Uint8Array, at: number): [number, number] | undefined {
  const first = b[at];
  if (first === undefined) return undefined;
  const size = 1 << (first >> 6);
  if (size === 8 || at + size > b.length) return undefined;
  let n = first & 0x3f;
  for (let i = 1; i < size; i++) n = n * 256 + b[at + i]!;
  // RFC 9420 §2.1.2: the shortest encoding is required.
  if ((size === 2 && n < 0x40) || (size === 4 && n < 0x4000)) return undefined;
  return [n, at + size];
}

function vector(bytes: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint(bytes.length), bytes);
}

export function encodeMetadata(meta: GroupMetadata): Uint8Array {
  return concatBytes(new Uint8Array([0, VERSION]), vector(utf8(meta.name)), vector(utf8(meta.description)));
}

/** Total: undefined for anything that is not a well-formed version-1 record. */
export function decodeMetadata(bytes: Uint8Array): GroupMetadata | undefined {
  if (bytes.length < 2 || bytes[0] !== 0 || bytes[1] !== VERSION) return undefined;
  const strings: string[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    const len = decodeVarint(bytes, at);
    if (!len || len[1] + len[0] > bytes.length) return undefined;
    const text = fromUtf8(bytes.subarray(len[1], len[1] + len[0]));
    if (text === undefined) return undefined;
    strings.push(text);
    at = len[1] + len[0];
  }
  if (at !== bytes.length) return undefined;
  return { name: strings[0]!, description: strings[1]! };
}
