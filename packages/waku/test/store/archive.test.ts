import { MemoryStore } from "@parley/core/testing";
import type { proto_store } from "@waku/proto";
import { describe, expect, it } from "vitest";
import { MessageArchive, messageHash, type WakuMessage } from "../../src/index.js";
import { respond } from "../../src/store/server.js";

const PT = "/waku/2/rs/42/6";
const PT2 = "/waku/2/rs/42/1";
const A = "/logos-chat/1/a/proto";
const B = "/logos-chat/1/b/proto";

function msg(contentTopic: string, n: number, tsMs: number): WakuMessage {
  return { payload: new TextEncoder().encode(`m${n}`), contentTopic, version: 0, timestamp: BigInt(tsMs) * 1_000_000n };
}
const names = (ms: { message: WakuMessage }[]) => ms.map((m) => new TextDecoder().decode(m.message.payload));

function req(q: Partial<proto_store.StoreQueryRequest>): proto_store.StoreQueryRequest {
  return { requestId: "r", includeData: true, contentTopics: [], messageHashes: [], paginationForward: true, ...q };
}

async function filled(): Promise<MessageArchive> {
  const archive = new MessageArchive(new MemoryStore(), {}, { now: () => 100_000, setTimer: () => ({ cancel() {} }) });
  // Inserted out of order: the archive orders by timestamp.
  for (const [ct, n, ts] of [
    [A, 3, 3000],
    [A, 1, 1000],
    [B, 2, 2000],
    [A, 4, 4000],
    [A, 5, 5000],
    [B, 6, 6000],
  ] as const)
    await archive.insert(PT, msg(ct, n, ts));
  await archive.insert(PT2, msg(A, 7, 2500));
  return archive;
}

async function all(archive: MessageArchive, q: Partial<proto_store.StoreQueryRequest>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: Uint8Array | undefined;
  for (let i = 0; i < 20; i++) {
    const r = await archive.query(req({ ...q, ...(cursor ? { paginationCursor: cursor } : {}) }));
    if (r.status !== 200) throw new Error(r.description);
    pages.push(names(r.messages));
    if (!r.cursor) return pages;
    cursor = r.cursor;
  }
  throw new Error("no end");
}

describe("MessageArchive (Store v3 semantics)", () => {
  it("filters by pubsub topic and content topics, forward pages oldest first with cursors", async () => {
    const archive = await filled();
    expect(await all(archive, { pubsubTopic: PT, contentTopics: [A], paginationLimit: 2n })).toEqual([
      ["m1", "m3"],
      ["m4", "m5"],
    ]);
    expect(await all(archive, { pubsubTopic: PT, contentTopics: [A, B], paginationLimit: 4n })).toEqual([
      ["m1", "m2", "m3", "m4"],
      ["m5", "m6"],
    ]);
    expect(await all(archive, {})).toEqual([["m1", "m2", "m7", "m3", "m4", "m5", "m6"]]);
  });

  it("backward pages go newest to oldest but each page is oldest first (as nwaku)", async () => {
    const archive = await filled();
    expect(
      await all(archive, { pubsubTopic: PT, contentTopics: [A], paginationForward: false, paginationLimit: 3n }),
    ).toEqual([["m3", "m4", "m5"], ["m1"]]);
  });

  it("time range is inclusive at both ends", async () => {
    const archive = await filled();
    const r = await archive.query(
      req({ pubsubTopic: PT, contentTopics: [A, B], timeStart: 2_000_000_000n, timeEnd: 4_000_000_000n }),
    );
    expect(r.status === 200 && names(r.messages)).toEqual(["m2", "m3", "m4"]);
  });

  it("hash lookups return the requested messages in time order and ignore unknown hashes", async () => {
    const archive = await filled();
    const h5 = messageHash(PT, msg(A, 5, 5000));
    const h1 = messageHash(PT, msg(A, 1, 1000));
    const r = await archive.query(req({ messageHashes: [h5, new Uint8Array(32), h1] }));
    expect(r.status === 200 && names(r.messages)).toEqual(["m1", "m5"]);
    expect(r.status === 200 && r.messages[0]!.hash).toEqual(h1);
  });

  it("rejects malformed queries with 400", async () => {
    const archive = await filled();
    const h1 = messageHash(PT, msg(A, 1, 1000));
    expect((await archive.query(req({ contentTopics: [A] }))).status).toBe(400);
    expect((await archive.query(req({ messageHashes: [h1], contentTopics: [A], pubsubTopic: PT }))).status).toBe(400);
    expect((await archive.query(req({ paginationCursor: new Uint8Array(32).fill(9) }))).status).toBe(400);
  });

  it("deduplicates by hash and enforces the count retention, oldest first", async () => {
    const archive = new MessageArchive(new MemoryStore(), { maxMessages: 3 });
    expect(await archive.insert(PT, msg(A, 1, 1000))).toBe(true);
    expect(await archive.insert(PT, msg(A, 1, 1000))).toBe(false);
    for (let n = 2; n <= 5; n++) await archive.insert(PT, msg(A, n, n * 1000));
    expect(await archive.count()).toBe(3);
    expect(await all(archive, {})).toEqual([["m3", "m4", "m5"]]);
    // The dropped message's hash is gone too: it can be archived again.
    expect(await archive.insert(PT, msg(A, 1, 1000))).toBe(true);
  });

  it("enforces the byte retention, oldest first, and keeps count and bytes exact", async () => {
    const archive = new MessageArchive(new MemoryStore(), { maxBytes: 3_500 });
    const big = (n: number): WakuMessage => ({
      payload: new Uint8Array(1000).fill(n),
      contentTopic: A,
      timestamp: BigInt(n) * 1_000_000n,
    });
    for (let n = 1; n <= 5; n++) await archive.insert(PT, big(n));
    expect(await archive.count()).toBe(3);
    expect(await archive.bytes()).toBeLessThanOrEqual(3_500);
    const r = await archive.query(req({}));
    expect(r.status === 200 && r.messages.map((m) => m.message.payload[0])).toEqual([3, 4, 5]);
    const rowBytes = (await archive.bytes()) / 3;
    expect(Number.isInteger(rowBytes) && rowBytes > 1000).toBe(true);
  });

  it("prunes by age", async () => {
    let now = 10_000;
    const archive = new MessageArchive(
      new MemoryStore(),
      { maxAgeMs: 5_000 },
      {
        now: () => now,
        setTimer: () => ({ cancel() {} }),
      },
    );
    for (let n = 1; n <= 9; n++) await archive.insert(PT, msg(A, n, n * 1000));
    expect(await archive.prune()).toBe(4); // 1..4 s are older than 10 s - 5 s
    now = 12_000;
    expect(await archive.prune()).toBe(2);
    expect(await archive.count()).toBe(3);
    expect(await all(archive, {})).toEqual([["m7", "m8", "m9"]]);
  });

  it("the server answers with status, request id, cursor, and omits data when includeData is false", async () => {
    const archive = await filled();
    const ok = await respond(
      archive,
      req({ requestId: "q1", pubsubTopic: PT, contentTopics: [A], paginationLimit: 2n }),
    );
    expect(ok).toMatchObject({ requestId: "q1", statusCode: 200 });
    expect(ok.messages).toHaveLength(2);
    expect(ok.paginationCursor).toEqual(ok.messages[1]!.messageHash);
    const hashesOnly = await respond(archive, req({ includeData: false }));
    expect(hashesOnly.messages.every((m) => m.message === undefined && m.messageHash?.length === 32)).toBe(true);
    const bad = await respond(archive, req({ requestId: "q2", contentTopics: [A] }));
    expect(bad).toMatchObject({ requestId: "q2", statusCode: 400 });
  });

  it("cuts a page at the byte budget and continues with a cursor", async () => {
    const archive = new MessageArchive(new MemoryStore());
    for (let n = 1; n <= 5; n++)
      await archive.insert(PT, { payload: new Uint8Array(1000).fill(n), contentTopic: A, timestamp: BigInt(n) });
    const first = await archive.query(req({}), 2500);
    if (first.status !== 200) expect.fail(`status ${first.status}`);
    expect(first.messages.map((m) => m.message.payload[0])).toEqual([1, 2]);
    expect(first.cursor).toBeInstanceOf(Uint8Array);
    const rest = await archive.query(req({ paginationCursor: first.cursor! }), 2500);
    if (rest.status !== 200) expect.fail(`status ${rest.status}`);
    expect(rest.messages.map((m) => m.message.payload[0])).toEqual([3, 4]);
  });
});
