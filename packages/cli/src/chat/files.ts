/**
 * Files on disk: reading one to send, and the downloads folder where received chunks are written as they
 * arrive (so a large file never sits in memory, and a restart keeps what came). A file is kept under its
 * name only once every chunk is in and the whole matches the SHA-256 its sender announced.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, extname, join } from "node:path";
import { type FileContent, hasUnsafeChar, isFileName, toHex } from "@parley/core";
import type { FileStatus } from "./session.js";

/** Largest file `/send` sends (the library allows 1 GiB; a chat keeps it smaller). */
export const MAX_SEND_BYTES = 100 * 1024 * 1024;

const MEDIA_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".bmp": "image/bmp",
  ".heic": "image/heic",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tar": "application/x-tar",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
};

export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** A name every receiver accepts, made from a local file's name. */
export function plainName(path: string): string {
  let name = Array.from(basename(path), (ch) => (ch === "\\" || hasUnsafeChar(ch) ? "_" : ch)).join("");
  while (new TextEncoder().encode(name).length > 255) name = name.slice(0, -1);
  return isFileName(name) ? name : "file";
}

export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

export async function readForSending(path: string): Promise<{ bytes: Uint8Array; name: string; mediaType: string }> {
  const full = expandHome(path);
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(full);
  } catch {
    throw new Error(`no file at ${path}`);
  }
  if (!s.isFile()) throw new Error(`${path} is not a file`);
  if (s.size > MAX_SEND_BYTES) throw new Error(`${path} is larger than ${MAX_SEND_BYTES / 1024 / 1024} MB`);
  const name = plainName(full);
  return { bytes: new Uint8Array(await readFile(full)), name, mediaType: mediaTypeOf(name) };
}

interface TransferRecord {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly chunkSize: number;
  readonly chunkCount: number;
  received: number[];
  savedAs?: string;
  problem?: string;
}

function sameFile(r: TransferRecord, c: FileContent): boolean {
  return (
    r.name === c.name &&
    r.mediaType === c.mediaType &&
    r.size === c.size &&
    r.sha256 === toHex(c.sha256) &&
    r.chunkSize === c.chunkSize &&
    r.chunkCount === c.chunkCount
  );
}

function status(r: TransferRecord): FileStatus {
  return {
    received: r.received.length,
    ...(r.savedAs ? { savedAs: r.savedAs } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

/** The downloads folder of one profile. Calls must not overlap (the chat hands it chunks one at a time). */
export class Downloads {
  constructor(readonly dir: string) {}

  private partial(transfer: string, ext: string): string {
    return join(this.dir, ".partial", `${transfer}${ext}`);
  }

  private async load(transfer: string): Promise<TransferRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.partial(transfer, ".json"), "utf8")) as TransferRecord;
    } catch {
      return undefined;
    }
  }

  async status(transfer: string): Promise<FileStatus | undefined> {
    if (!/^[0-9a-f]{32}$/.test(transfer)) return undefined;
    const r = await this.load(transfer);
    return r && status(r);
  }

  /** Writes one chunk where it belongs; once all are in, checks the whole and moves it under its name. */
  async receive(c: FileContent): Promise<FileStatus> {
    const transfer = toHex(c.transferId);
    await mkdir(join(this.dir, ".partial"), { recursive: true, mode: 0o700 });
    const r: TransferRecord = (await this.load(transfer)) ?? {
      name: c.name,
      mediaType: c.mediaType,
      size: c.size,
      sha256: toHex(c.sha256),
      chunkSize: c.chunkSize,
      chunkCount: c.chunkCount,
      received: [],
    };
    // A chunk that describes another file under the same id, or one already written, changes nothing.
    if (!sameFile(r, c) || r.received.includes(c.chunkIndex) || r.savedAs || r.problem) return status(r);
    const part = this.partial(transfer, ".part");
    const fh = await open(part, r.received.length === 0 ? "w" : "r+", 0o600);
    try {
      await fh.write(c.data, 0, c.data.length, c.chunkIndex * c.chunkSize);
    } finally {
      await fh.close();
    }
    r.received.push(c.chunkIndex);
    if (r.received.length === r.chunkCount) await this.finish(r, part);
    await writeFile(this.partial(transfer, ".json"), JSON.stringify(r), { mode: 0o600 });
    return status(r);
  }

  private async finish(r: TransferRecord, part: string): Promise<void> {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
    if (hash.digest("hex") !== r.sha256) {
      r.problem = "does not match its SHA-256; not kept";
      await rm(part, { force: true });
      return;
    }
    const target = await this.freeName(r.name);
    await rename(part, target);
    r.savedAs = target;
  }

  /** `name` in the folder, or "name (1).ext", "name (2).ext", … when it is taken. */
  private async freeName(name: string): Promise<string> {
    const ext = extname(name);
    const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
    for (let i = 0; ; i++) {
      const candidate = join(this.dir, i === 0 ? name : `${stem} (${i})${ext === name ? "" : ext}`);
      try {
        await stat(candidate);
      } catch {
        return candidate;
      }
    }
  }
}
