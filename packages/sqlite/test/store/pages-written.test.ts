/** Pages written when a large value (a conversation state) is replaced, counted as frames in the WAL. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "@parley/sqlite";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-pages-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

/** Bytes this process handed to write syscalls (Linux: /proc/self/io); undefined elsewhere. */
function bytesWritten(): number | undefined {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

describe("SqliteStore: bytes written when a large value is replaced", () => {
  /** Frames (pages) the WAL holds in its current generation. */
  function walFrames(path: string): number {
    const b = readFileSync(`${path}-wal`);
    const pageSize = b.readUInt32BE(8);
    let frames = 0;
    for (let off = 32; off + 24 + pageSize <= b.length; off += 24 + pageSize) {
      if (b.readUInt32BE(off + 8) !== b.readUInt32BE(16) || b.readUInt32BE(off + 12) !== b.readUInt32BE(20)) break;
      frames++;
    }
    return frames;
  }
  // Sizes differ from step to step, as states do (an equal size is overwritten in place by SQLite itself).
  const big = (tag: string, size: number) => enc.encode(`${tag}:`.padEnd(size, tag.slice(0, 1)));

  it("a 40 KB value replaced by another writes its pages once, and the old bytes leave the file", async () => {
    const path = join(dir, "s.db");
    const s = await SqliteStore.open({ path });
    await s.commit([{ op: "put", ns: "state", key: "conv", value: big("OLD-STATE-MARKER", 40_500) }]);
    await s.commit([{ op: "put", ns: "state", key: "conv", value: big("XLD-STATE", 39_000) }]); // warm: a freelist exists
    const before = walFrames(path);
    await s.commit([{ op: "put", ns: "state", key: "conv", value: big("NEW-STATE-MARKER", 40_000) }]);
    const pages = walFrames(path) - before;
    // 40,000 bytes are 10 overflow pages of 4,092 usable bytes; plus the leaf and the header/freelist pages.
    // Replacing in place (INSERT OR REPLACE alone) writes the 10 freed pages a second time, as zeros: ~22.
    expect(pages).toBeLessThanOrEqual(14);
    await s.close();
    const file = readFileSync(path);
    expect(file.includes(Buffer.from("NEW-STATE-MARKER"))).toBe(true);
    expect(file.includes(Buffer.from("OLD-STATE-MARKER"))).toBe(false);
  });

  for (const groupCommit of [true, false]) {
    it(`a state replaced step after step, growing and shrinking, costs its own pages per step (group commit ${groupCommit ? "on" : "off"})`, async () => {
      const path = join(dir, `steps-${groupCommit}.db`);
      const s = await SqliteStore.open({ path, groupCommit });
      // A receiver's busy PrivateV1 state is ~52 KB (bench/src/client-steps.ts records one).
      const sizes = [52_000, 53_000, 50_500, 54_000, 51_000, 53_500, 52_500, 49_000, 54_500, 52_000];
      await s.commit([{ op: "put", ns: "state", key: "conv", value: big("S", 48_000) }]);
      const before = walFrames(path);
      const written0 = bytesWritten();
      for (const [i, size] of sizes.entries()) {
        await s.commit([
          { op: "put", ns: "state", key: "conv", value: big(`S${i}`, size) },
          { op: "put", ns: "history", key: `m${i}`, value: big(`H${i}`, 320) },
          { op: "put", ns: "meta", key: "seq", value: enc.encode(String(i)) },
        ]);
      }
      // ~13 overflow pages per state plus a few b-tree and header pages: <= 17 WAL frames (~70 KiB) per step.
      // Writing the new chain to fresh pages and zeroing the old one (an in-place replace) takes ~29 frames; a
      // savepoint around a commit this large also spills a statement journal to a temp file: ~137 KiB.
      expect((walFrames(path) - before) / sizes.length).toBeLessThanOrEqual(17);
      if (written0 !== undefined) expect((bytesWritten()! - written0) / sizes.length).toBeLessThanOrEqual(100 * 1024);
      await s.close();
    });
  }
});
