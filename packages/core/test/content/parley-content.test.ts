import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ContentCodecs,
  type FileContent,
  fileCodec,
  leaveCodec,
  MAX_DISPLAY_NAME,
  PARLEY_DOMAIN_ID,
  profile,
  profileCodec,
} from "../../src/conversations/content/index.js";
import { ContentFrameSchema, create, FileContentSchema, fromBinary, toBinary } from "../../src/wire/index.js";

const codecs = new ContentCodecs();

function chunk(over: Partial<FileContent> = {}): FileContent {
  return {
    kind: "file",
    transferId: new Uint8Array(16).fill(7),
    name: "photo.png",
    mediaType: "image/png",
    size: 10,
    sha256: new Uint8Array(32).fill(1),
    chunkSize: 4,
    chunkCount: 3,
    chunkIndex: 2,
    data: new Uint8Array([8, 9]),
    ...over,
  };
}

/** A ContentFrame with Parley's domain, `tag` and a FileContent built field by field (bypassing encode). */
function rawFile(fields: Partial<Parameters<typeof create<typeof FileContentSchema>>[1]>): Uint8Array {
  const c = chunk();
  const payload = toBinary(
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
      ...fields,
    }),
  );
  return toBinary(ContentFrameSchema, create(ContentFrameSchema, { domainId: PARLEY_DOMAIN_ID, tag: 1, payload }));
}

describe("Parley content types", () => {
  it("every client has them, under Parley's domain with tags 1 (file), 2 (profile), 3 (leave)", () => {
    for (const [codec, tag] of [
      [fileCodec, 1],
      [profileCodec, 2],
      [leaveCodec, 3],
    ] as const) {
      expect(codec.domainId).toBe(0x7061);
      expect(codec.tag).toBe(tag);
    }
    const frame = fromBinary(ContentFrameSchema, codecs.encode(profile("Alice")));
    expect([frame.domainId, frame.tag]).toEqual([0x7061, 2]);
  });

  it("file chunks, display names and leave notices round-trip", () => {
    for (const c of [chunk(), chunk({ chunkIndex: 0, data: new Uint8Array([1, 2, 3, 4]) })])
      expect(codecs.decode(codecs.encode(c))).toEqual(c);
    const empty = chunk({ size: 0, chunkCount: 1, chunkIndex: 0, data: new Uint8Array() });
    expect(codecs.decode(codecs.encode(empty))).toEqual(empty);
    expect(codecs.decode(codecs.encode(profile("Zoë ✨")))).toEqual(profile("Zoë ✨"));
    expect(codecs.decode(codecs.encode({ kind: "leave" }))).toEqual({ kind: "leave" });
  });

  it("refuses to encode what it would refuse to decode", () => {
    const bad: Partial<FileContent>[] = [
      { name: "../etc/passwd" },
      { name: "a/b" },
      { name: "a\\b" },
      { name: ".." },
      { name: "" },
      { name: "bell\u0007" },
      { name: "x".repeat(256) },
      { name: "evil\u202egnp.exe" },
      { mediaType: "png" },
      { mediaType: "image/png; charset=x" },
      { transferId: new Uint8Array(15) },
      { sha256: new Uint8Array(31) },
      { chunkCount: 4 },
      { chunkIndex: 3 },
      { data: new Uint8Array(3) },
      { chunkSize: 0 },
      { size: -1 },
      { size: 2 ** 30 + 1 },
    ];
    for (const b of bad) expect(() => codecs.encode(chunk(b)), JSON.stringify(b)).toThrow(/file chunk/);
    for (const name of ["", " Alice", "Alice ", "a\nb", "x".repeat(MAX_DISPLAY_NAME + 1), "\u202eecilA"])
      expect(() => codecs.encode(profile(name)), name).toThrow(/display name/);
  });

  it("decoding is total: inconsistent or hostile chunks and names arrive as badly-formed, never as files", () => {
    const badFiles = [
      rawFile({ name: "../../.bashrc" }),
      rawFile({ chunkCount: 9 }),
      rawFile({ chunkIndex: 5 }),
      rawFile({ data: new Uint8Array(100) }),
      rawFile({ size: 2n ** 62n }),
      rawFile({ sha256: new Uint8Array(0) }),
      rawFile({ chunkSize: 200 * 1024 }),
    ];
    for (const bytes of badFiles)
      expect(codecs.decode(bytes)).toMatchObject({ kind: "unsupported", reason: "badly-formed", tag: 1 });
    expect(codecs.decode(rawFile({}))).toMatchObject({ kind: "file", name: "photo.png" });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 3 }), (payload, tag) => {
        const bytes = toBinary(
          ContentFrameSchema,
          create(ContentFrameSchema, { domainId: PARLEY_DOMAIN_ID, tag, payload }),
        );
        const c = codecs.decode(bytes);
        expect(["file", "profile", "leave", "unsupported"]).toContain(c.kind);
        if (c.kind === "file") expect(fileCodec.decode(fileCodec.encode(c as FileContent))).toEqual(c);
      }),
      { numRuns: 2000 },
    );
  });
});
