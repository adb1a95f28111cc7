import { describe, expect, it } from "vitest";
import { FILE_CHUNK_BYTES, FileAssembly, fileChunks, transferKey } from "../../src/client/index.js";
import type { FileContent } from "../../src/conversations/content/index.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { started, world } from "./harness.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("file-transfer") });

function fileBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 7)) & 0xff);
}

describe("files as FileContent chunks", () => {
  it("a 300 KB file crosses a lossy network as 5 chunks and is rebuilt byte for byte, whatever the order", async () => {
    const w = world("file", { drop: 0.3, duplicate: 0.2, reorder: 0.3, reorderWindow: 200 });
    const alice = await w.peer("alice", { sweepIntervalMs: 1_000, resendAfterMs: 3_000, maxSends: 100 });
    const bob = await w.peer("bob", { sweepIntervalMs: 1_000, resendAfterMs: 3_000, maxSends: 100 });
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "a file follows");
    const bytes = fileBytes(300_000, 7);
    const chunks = fileChunks(crypto, bytes, { name: "report.pdf", mediaType: "application/pdf" });
    expect(chunks.map((c) => c.data.length)).toEqual([
      ...Array(4).fill(FILE_CHUNK_BYTES),
      300_000 - 4 * FILE_CHUNK_BYTES,
    ]);
    for (const c of chunks) await alice.client.send(conversationId, c);
    await w.run(60_000);

    const received = bob.events.flatMap((e) =>
      e.type === "message" && e.content.kind === "file" ? [e.content as FileContent] : [],
    );
    expect(received.map((c) => c.chunkIndex).sort()).toEqual([0, 1, 2, 3, 4]);
    const assembly = new FileAssembly(received[0]!);
    for (const c of received.slice(1)) expect(assembly.add(c)).toBe("added");
    expect(assembly.add(received[2]!)).toBe("duplicate");
    expect(assembly.complete).toBe(true);
    expect(assembly.bytes(crypto)).toEqual(bytes);
    expect(transferKey(received[0]!)).toBe(transferKey(chunks[0]!));
    // The history keeps every chunk as sent and received.
    const bobConv = started(bob)[0]!.conversationId;
    const kept = (await bob.client.history(bobConv)).items.filter((i) => i.content.kind === "file");
    expect(kept).toHaveLength(5);
  });

  it("refuses to mix transfers and to release a file whose bytes do not match its SHA-256", () => {
    const a = fileChunks(crypto, fileBytes(10, 3), { name: "a.txt", mediaType: "text/plain", chunkSize: 4 });
    const b = fileChunks(crypto, fileBytes(10, 5), { name: "a.txt", mediaType: "text/plain", chunkSize: 4 });
    const assembly = new FileAssembly(a[0]!);
    expect(assembly.add(b[1]!)).toBe("mismatch");
    expect(() => assembly.bytes(crypto)).toThrow(/1 of 3 chunks/);
    // Same transfer id and description, different bytes: collected, then refused as a whole.
    const forged = b.map((c) => ({ ...c, transferId: a[0]!.transferId, sha256: a[0]!.sha256 }));
    const mixed = new FileAssembly(a[0]!);
    expect(mixed.add(forged[1]!)).toBe("added");
    expect(mixed.add(a[2]!)).toBe("added");
    expect(mixed.complete).toBe(true);
    expect(() => mixed.bytes(crypto)).toThrow(expect.objectContaining({ code: "file-hash-mismatch" }));
    // An empty file is one empty chunk.
    const empty = fileChunks(crypto, new Uint8Array(), { name: "empty", mediaType: "application/octet-stream" });
    expect(empty).toHaveLength(1);
    expect(new FileAssembly(empty[0]!).bytes(crypto)).toEqual(new Uint8Array());
    expect(() => fileChunks(crypto, new Uint8Array(1), { name: "../x", mediaType: "text/plain" })).toThrow(
      expect.objectContaining({ code: "content-invalid" }),
    );
  });
});
