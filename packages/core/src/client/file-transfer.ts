/**
 * Files as `FileContent` chunks: `fileChunks` cuts a file into the messages to send, `FileAssembly` puts
 * the chunks of one transfer back together, in any order and with duplicates, and releases the bytes only
 * when they are all there and match the announced size and SHA-256.
 */
import { constantTimeEqual, toHex } from "../base/bytes.js";
import { ParleyError } from "../base/errors.js";
import { chunkCountFor, type FileContent, fileContentProblem } from "../conversations/content/index.js";
import type { CryptoProvider } from "../crypto/provider.js";

/** Chunk size `fileChunks` uses by default: one chunk fits one PrivateV1 segment and one group message. */
export const FILE_CHUNK_BYTES = 64 * 1024;

export interface FileDescription {
  readonly name: string;
  readonly mediaType: string;
  /** Default FILE_CHUNK_BYTES. */
  readonly chunkSize?: number;
  /** Default 16 random bytes. */
  readonly transferId?: Uint8Array;
}

/** The chunks to send, in order. Throws ContentError("content-invalid") for a bad name, media type or size. */
export function fileChunks(crypto: CryptoProvider, bytes: Uint8Array, d: FileDescription): FileContent[] {
  const chunkSize = d.chunkSize ?? FILE_CHUNK_BYTES;
  const base = {
    kind: "file" as const,
    transferId: d.transferId ?? crypto.randomBytes(16),
    name: d.name,
    mediaType: d.mediaType,
    size: bytes.length,
    sha256: crypto.sha256(bytes),
    chunkSize,
    chunkCount: chunkCountFor(bytes.length, chunkSize),
  };
  const out: FileContent[] = [];
  for (let i = 0; i < base.chunkCount; i++) {
    const chunk = { ...base, chunkIndex: i, data: bytes.subarray(i * chunkSize, (i + 1) * chunkSize) };
    const problem = fileContentProblem(chunk);
    if (problem) throw new FileTransferError("content-invalid", problem);
    out.push(chunk);
  }
  return out;
}

/** The transfer a chunk belongs to, as a string key. */
export function transferKey(chunk: Pick<FileContent, "transferId">): string {
  return toHex(chunk.transferId);
}

/** True when two chunks describe the same file (everything but the index and the data). */
export function sameFile(a: FileContent, b: FileContent): boolean {
  return (
    constantTimeEqual(a.transferId, b.transferId) &&
    a.name === b.name &&
    a.mediaType === b.mediaType &&
    a.size === b.size &&
    constantTimeEqual(a.sha256, b.sha256) &&
    a.chunkSize === b.chunkSize &&
    a.chunkCount === b.chunkCount
  );
}

export class FileTransferError extends ParleyError {
  declare readonly code: "content-invalid" | "file-incomplete" | "file-hash-mismatch";
}

export type AddResult = "added" | "duplicate" | "mismatch";

/** The chunks of one transfer, collected in memory. */
export class FileAssembly {
  readonly #chunks = new Map<number, Uint8Array>();

  /** `first`: any chunk of the transfer; it describes the file. */
  constructor(readonly file: FileContent) {
    this.add(file);
  }

  /** "mismatch": a chunk whose description differs from the first (never mixed in). */
  add(chunk: FileContent): AddResult {
    if (!sameFile(this.file, chunk)) return "mismatch";
    if (this.#chunks.has(chunk.chunkIndex)) return "duplicate";
    this.#chunks.set(chunk.chunkIndex, chunk.data);
    return "added";
  }

  get received(): number {
    return this.#chunks.size;
  }

  get complete(): boolean {
    return this.#chunks.size === this.file.chunkCount;
  }

  /** The whole file once every chunk is in and its SHA-256 matches; throws FileTransferError otherwise. */
  bytes(crypto: CryptoProvider): Uint8Array {
    if (!this.complete)
      throw new FileTransferError("file-incomplete", `${this.received} of ${this.file.chunkCount} chunks received`);
    const out = new Uint8Array(this.file.size);
    for (const [i, data] of this.#chunks) out.set(data, i * this.file.chunkSize);
    if (!constantTimeEqual(crypto.sha256(out), this.file.sha256))
      throw new FileTransferError("file-hash-mismatch", "the received file does not match its SHA-256");
    return out;
  }
}
