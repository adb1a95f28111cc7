import { describe, expect, it, vi } from "vitest";
import { lenFieldSize, varintFieldSize, WireWriter, wireText } from "../../src/wire/hand/protowire.js";
import { messages, world } from "./harness.js";

/**
 * Issue 11, item 8: an authenticated frame that this version cannot use is reported, never mistaken for an
 * empty frame or dropped in silence. A "newer peer" is simulated by wrapping the frame encoder: content whose
 * text holds a marker goes out as a frame with an arm this version does not know (or as bytes that are no
 * frame at all); everything else is encoded as usual.
 */
const NEWER_ARM = "<<newer-arm>>";
const NOT_A_FRAME = "<<not-a-frame>>";
const EMPTY_FRAME = "<<empty-frame>>";

const holds = (bytes: Uint8Array, marker: string) => new TextDecoder().decode(bytes).includes(marker);

vi.mock("../../src/wire/hand/private-v1-frame.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/wire/hand/private-v1-frame.js")>();
  return {
    ...real,
    encodeFrame: (conversationId: string, timestamp: number, body: Parameters<typeof real.encodeFrame>[2]) => {
      if (body.case === "content" && holds(body.value, NOT_A_FRAME)) return Uint8Array.of(0xff, 0xff, 0xff);
      const newer = body.case === "content" && holds(body.value, NEWER_ARM);
      const empty = body.case === "content" && holds(body.value, EMPTY_FRAME);
      if (!newer && !empty) return real.encodeFrame(conversationId, timestamp, body);
      const id = wireText(conversationId);
      const w = new WireWriter(lenFieldSize(id.length) + varintFieldSize(timestamp) + (newer ? lenFieldSize(3) : 0));
      w.text(1, id);
      w.varintField(3, timestamp);
      if (newer) w.bytes(15, Uint8Array.of(1, 2, 3)); // field 15: no arm of this version
      return w.finish();
    },
  };
});

describe("frames this version cannot use", () => {
  it("are reported as frame-dropped with a reason; the conversation goes on", async () => {
    const w = world("frame-dropped");
    const alice = await w.peer("alice");
    const bob = await w.peer("bob");
    const { conversationId } = await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(2_000);
    const bobConv = bob.events.find((e) => e.type === "conversation-started")!.conversationId;

    await alice.client.send(conversationId, `a newer peer's frame ${NEWER_ARM}`);
    await alice.client.send(conversationId, `bytes that are no frame ${NOT_A_FRAME}`);
    await alice.client.send(conversationId, `a frame with no arm ${EMPTY_FRAME}`);
    await alice.client.send(conversationId, "still talking");
    await w.run(10_000);

    const dropped = bob.events.filter((e) => e.type === "frame-dropped");
    expect(dropped.map((e) => (e as { reason: string }).reason).sort()).toEqual([
      "frame-decode",
      "frame-empty",
      "frame-unsupported",
    ]);
    expect(dropped.every((e) => e.conversationId === bobConv)).toBe(true);
    // Nothing of them reached the application as a message, and the conversation is unharmed.
    expect(messages(bob)).toEqual(["hello", "still talking"]);
    expect(bob.events.filter((e) => e.type === "error")).toEqual([]);
  });
});
