import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileChunks, toHex } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { afterEach, describe, expect, it } from "vitest";
import { Downloads, mediaTypeOf, plainName, readForSending } from "../../src/chat/files.js";

const crypto = new NodeCryptoProvider();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "parley-files-"));
  dirs.push(d);
  return d;
}

describe("files on disk", () => {
  it("writes chunks as they come, in any order and twice, and keeps the file only whole and matching", async () => {
    const dir = tmp();
    const downloads = new Downloads(join(dir, "downloads"));
    const bytes = crypto.randomBytes(10_000);
    const chunks = fileChunks(crypto, bytes, { name: "notes.txt", mediaType: "text/plain", chunkSize: 3_000 });
    expect(chunks).toHaveLength(4);
    expect(await downloads.receive(chunks[2]!)).toEqual({ received: 1 });
    expect(await downloads.receive(chunks[2]!)).toEqual({ received: 1 });
    expect(await downloads.receive(chunks[0]!)).toEqual({ received: 2 });
    expect(await downloads.receive(chunks[3]!)).toEqual({ received: 3 });
    const done = await downloads.receive(chunks[1]!);
    expect(done.savedAs).toBe(join(dir, "downloads", "notes.txt"));
    expect(new Uint8Array(readFileSync(done.savedAs!))).toEqual(bytes);
    expect(await downloads.status(toHex(chunks[0]!.transferId))).toEqual(done);
    // The same name again: kept next to it, never over it.
    const again = fileChunks(crypto, bytes.subarray(0, 10), { name: "notes.txt", mediaType: "text/plain" });
    expect((await downloads.receive(again[0]!)).savedAs).toBe(join(dir, "downloads", "notes (1).txt"));
  });

  it("refuses a file whose bytes do not match its hash, and chunks that describe another file", async () => {
    const downloads = new Downloads(join(tmp(), "downloads"));
    const good = fileChunks(crypto, crypto.randomBytes(5_000), {
      name: "a.bin",
      mediaType: "application/octet-stream",
      chunkSize: 2_500,
    });
    const other = fileChunks(crypto, crypto.randomBytes(5_000), {
      name: "a.bin",
      mediaType: "application/octet-stream",
      chunkSize: 2_500,
    });
    // Same transfer id, other content (a forged or damaged chunk) under the first one's hash.
    const forged = { ...other[1]!, transferId: good[0]!.transferId, sha256: good[0]!.sha256 };
    expect(await downloads.receive(good[0]!)).toEqual({ received: 1 });
    expect(await downloads.receive({ ...other[1]!, transferId: good[0]!.transferId })).toEqual({ received: 1 });
    const r = await downloads.receive(forged);
    expect(r.savedAs).toBeUndefined();
    expect(r.problem).toMatch(/does not match its SHA-256/);
    expect(await downloads.receive(good[1]!)).toEqual(r);
    expect(await downloads.status("not-a-transfer")).toBeUndefined();
  });

  it("reads a file to send with a plain name and a media type, and refuses what is not a file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "cat.PNG"), "png bytes");
    expect(await readForSending(join(dir, "cat.PNG"))).toEqual({
      bytes: new Uint8Array(Buffer.from("png bytes")),
      name: "cat.PNG",
      mediaType: "image/png",
    });
    await expect(readForSending(join(dir, "missing"))).rejects.toThrow(/no file at/);
    await expect(readForSending(dir)).rejects.toThrow(/is not a file/);
    expect(plainName("/x/evil\u001b[2Jname.txt")).toBe("evil_[2Jname.txt");
    expect(plainName("/x/..")).toBe("file");
    expect(mediaTypeOf("report.pdf")).toBe("application/pdf");
    expect(mediaTypeOf("blob")).toBe("application/octet-stream");
  });
});
