import { create, FileContentSchema, fromBinary, toBinary } from "../../wire/index.js";
import { type ContentCodec, ContentError } from "./codec.js";
import { hasUnsafeChar, PARLEY_DOMAIN_ID, PARLEY_TAGS } from "./domains.js";
import type { FileContent } from "./types.js";

/** Largest file the type describes (1 GiB); applications usually set a lower limit of their own. */
export const MAX_FILE_BYTES = 2 ** 30;
/** Largest chunk: it must fit one group message and one PrivateV1 segment with room to spare. */
export const MAX_FILE_CHUNK_BYTES = 128 * 1024;
/** Longest file name, in UTF-8 bytes (what common file systems allow). */
export const MAX_FILE_NAME_BYTES = 255;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/i;

/** A name a receiver can use as a file name: no separators, no control characters, not "." or "..". */
export function isFileName(name: string): boolean {
  if (name === "" || name === "." || name === ".." || /[/\\]/.test(name) || hasUnsafeChar(name)) return false;
  return new TextEncoder().encode(name).length <= MAX_FILE_NAME_BYTES;
}

/** Chunks needed for `size` bytes at `chunkSize` (an empty file is one empty chunk). */
export function chunkCountFor(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Why a chunk is not a valid FileContent, or undefined when it is. */
export function fileContentProblem(c: FileContent): string | undefined {
  if (c.transferId.length !== 16) return "transfer id must be 16 bytes";
  if (!isFileName(c.name)) return "not a plain file name";
  if (!MEDIA_TYPE.test(c.mediaType)) return "not a media type (type/subtype)";
  if (!Number.isSafeInteger(c.size) || c.size < 0 || c.size > MAX_FILE_BYTES) return "size out of range";
  if (c.sha256.length !== 32) return "sha256 must be 32 bytes";
  if (!Number.isInteger(c.chunkSize) || c.chunkSize < 1 || c.chunkSize > MAX_FILE_CHUNK_BYTES)
    return "chunk size out of range";
  if (c.chunkCount !== chunkCountFor(c.size, c.chunkSize)) return "chunk count does not match size and chunk size";
  if (!Number.isInteger(c.chunkIndex) || c.chunkIndex < 0 || c.chunkIndex >= c.chunkCount)
    return "chunk index out of range";
  const expected = c.chunkIndex < c.chunkCount - 1 ? c.chunkSize : c.size - (c.chunkCount - 1) * c.chunkSize;
  if (c.data.length !== expected) return "chunk length does not match its place in the file";
  return undefined;
}

export const fileCodec: ContentCodec<FileContent> = {
  kind: "file",
  domainId: PARLEY_DOMAIN_ID,
  tag: PARLEY_TAGS.file,
  encode(c) {
    const problem = fileContentProblem(c);
    if (problem) throw new ContentError("content-invalid", `file chunk: ${problem}`);
    return toBinary(
      FileContentSchema,
      create(FileContentSchema, {
        transferId: c.transferId,
        name: c.name,
        mediaType: c.mediaType,
        size: BigInt(c.size),
        sha256: c.sha256,
        chunkSize: c.chunkSize,
        chunkCount: c.chunkCount,
        chunkIndex: c.chunkIndex,
        data: c.data,
      }),
    );
  },
  decode(payload) {
    let m: ReturnType<typeof fromBinary<typeof FileContentSchema>>;
    try {
      m = fromBinary(FileContentSchema, payload);
    } catch {
      return undefined;
    }
    if (m.size > BigInt(MAX_FILE_BYTES)) return undefined;
    const c: FileContent = {
      kind: "file",
      transferId: m.transferId,
      name: m.name,
      mediaType: m.mediaType,
      size: Number(m.size),
      sha256: m.sha256,
      chunkSize: m.chunkSize,
      chunkCount: m.chunkCount,
      chunkIndex: m.chunkIndex,
      data: m.data,
    };
    return fileContentProblem(c) === undefined ? c : undefined;
  },
};
