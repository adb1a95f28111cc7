import { describe, expect, it } from "vitest";
import { fileChunks, searchHistory } from "../../src/client/index.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { started, world } from "./harness.js";

describe("searchHistory", () => {
  it("finds text across conversations, newest first, case-insensitively, and files by name once", async () => {
    const w = world("search");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const carol = await w.peer("carol");
    const ab = await alice.client.startConversation(await bob.client.introBundle(), "Lunch on Friday?");
    const ac = await alice.client.startConversation(await carol.client.introBundle(), "hello carol");
    await w.run(3_000);
    const crypto = new NobleCryptoProvider({ random: seededRandom("search-file") });
    for (const c of fileChunks(crypto, new Uint8Array(100), {
      name: "lunch-menu.pdf",
      mediaType: "application/pdf",
      chunkSize: 40,
    }))
      await alice.client.send(ac.conversationId, c);
    await w.run(1_000);
    await bob.client.send(started(bob)[0]!.conversationId, "friday LUNCH works");
    for (let i = 0; i < 450; i++) await alice.client.send(ab.conversationId, `filler ${i}`);
    await w.run(3_000);

    const hits = await searchHistory(alice.client, "lunch");
    expect(hits.map((h) => [h.direction, h.text])).toEqual([
      ["in", "friday LUNCH works"],
      ["out", "lunch-menu.pdf"],
      ["out", "Lunch on Friday?"],
    ]);
    expect(hits[0]!.sender).toBe(bob.client.installationKey);
    expect(hits[0]!.conversationId).toBe(ab.conversationId);
    // Bounds: a limit keeps the newest; a per-conversation bound stops reading old pages.
    expect((await searchHistory(alice.client, "lunch", { limit: 1 })).map((h) => h.text)).toEqual([
      "friday LUNCH works",
    ]);
    expect((await searchHistory(alice.client, "Friday", { maxPerConversation: 100 })).map((h) => h.text)).toEqual([
      "friday LUNCH works",
    ]);
    expect(await searchHistory(alice.client, "  ")).toEqual([]);
    expect((await searchHistory(alice.client, "filler 44", { conversationIds: [ac.conversationId] })).length).toBe(0);
    expect((await searchHistory(alice.client, "filler 44")).length).toBe(11);
  });
});
