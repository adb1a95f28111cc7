import { describe, expect, it } from "vitest";
import { MAX_SEG_SIZE, PrivateV1Engine, PrivateV1Error } from "../../src/conversations/private-v1/session.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { MAX_PAYLOAD_BYTES } from "../../src/framework/delivery.js";
import { sealEnvelope } from "../../src/framework/envelope.js";
import { ContentFrameSchema, create, toBinary } from "../../src/wire/index.js";
import { published, world } from "../client/harness.js";
import { sessionPair } from "../support/private-v1-session.js";

const crypto = new NobleCryptoProvider({ random: seededRandom("limits") });

function engines() {
  const engine = new PrivateV1Engine(crypto);
  return { engine, ...sessionPair(crypto, engine) };
}

function contentOf(frameBytes: number): Uint8Array {
  // A ContentFrame whose PrivateV1Frame is about `frameBytes` long.
  return toBinary(
    ContentFrameSchema,
    create(ContentFrameSchema, { domainId: 5, tag: 5, payload: new Uint8Array(frameBytes - 80) }),
  );
}

describe("PrivateV1 size limits", () => {
  it("every payload of the largest frame (255 full segments) fits one 150 KiB Waku message", () => {
    const { engine, alice, bob } = engines();
    const sent = engine.send(alice, { case: "content", value: contentOf(255 * MAX_SEG_SIZE - 200) }, 2_000);
    expect(sent.outgoing).toHaveLength(255);
    let largest = 0;
    let state = bob;
    for (const o of sent.outgoing) {
      const bytes = sealEnvelope({
        crypto,
        random: seededRandom("salt"),
        conversationId: o.conversationHint,
        payload: o.payload,
      });
      largest = Math.max(largest, bytes.length);
      const r = engine.open(state, o.payload, 2_000);
      expect(r.ok).toBe(true);
      if (r.ok) state = r.state;
    }
    expect(largest).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // Per-payload overhead over the segment payload (segment + SDS + ratchet + envelope) is small and bounded.
    expect(largest - MAX_SEG_SIZE).toBeLessThan(1_000);
    // Sync messages carry the Bloom filter and cite every owed acknowledgement exactly (here all 255
    // segments, at most 256 ids a message, ~36 B each): still far below the limit.
    const sync = engine.sweep(state, 2_000 + 5_000);
    expect(sync.outgoing).toHaveLength(1);
    for (const o of sync.outgoing) {
      expect(
        sealEnvelope({ crypto, random: seededRandom("s"), conversationId: o.conversationHint, payload: o.payload })
          .length,
      ).toBeLessThan(3_752 + 256 * 40 + 1_000);
    }
  }, 120_000);

  it("a frame needing 256 segments is refused before anything changes", () => {
    const { engine, alice } = engines();
    expect(() => engine.send(alice, { case: "content", value: contentOf(255 * MAX_SEG_SIZE + 100) }, 2_000)).toThrow(
      PrivateV1Error,
    );
    try {
      engine.send(alice, { case: "content", value: contentOf(255 * MAX_SEG_SIZE + 100) }, 2_000);
    } catch (e) {
      expect((e as PrivateV1Error).code).toBe("content-too-large");
    }
  });

  it("through the client: invites stay within one Noise message, content is split, oversize content is a typed error", async () => {
    const w = world("limits");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const inline = "x".repeat(40 * 1024);
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), inline);
    const invite = (await published(w, bob.client.inboxTopic))[0]!;
    expect(invite.length).toBeGreaterThan(40 * 1024);
    expect(invite.length).toBeLessThan(65_535 + 300);
    await alice.client.send(conversationId, "y".repeat(250_000));
    const topic = (await alice.client.conversations())[0]!.contentTopic;
    const sizes = (await published(w, topic)).map((p) => p.length);
    expect(sizes).toHaveLength(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    await expect(
      alice.client.send(conversationId, {
        kind: "unsupported",
        domainId: 1,
        tag: 1,
        payload: new Uint8Array(255 * MAX_SEG_SIZE),
        reason: "unknown-type",
      }),
    ).rejects.toMatchObject({ code: "content-too-large" });
  }, 60_000);
});
