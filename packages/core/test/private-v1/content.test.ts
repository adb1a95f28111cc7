import { describe, expect, it } from "vitest";
import { type ContentCodec, ContentCodecs, text } from "../../src/conversations/content/index.js";
import { ContentFrameSchema, create, TextContentSchema, toBinary } from "../../src/wire/index.js";

interface Reaction {
  readonly kind: "reaction";
  readonly emoji: string;
}
const reactionCodec: ContentCodec<Reaction> = {
  kind: "reaction",
  domainId: 7,
  tag: 3,
  encode: (c) => new TextEncoder().encode(c.emoji),
  decode: (p) => (p.length > 0 && p.length < 16 ? { kind: "reaction", emoji: new TextDecoder().decode(p) } : undefined),
};

describe("ContentFrame codecs", () => {
  it("encode text as ContentFrame{domain 0, tag 1, TextContent} and decode it back", () => {
    const codecs = new ContentCodecs();
    const bytes = codecs.encode(text("héllo"));
    const expected = toBinary(
      ContentFrameSchema,
      create(ContentFrameSchema, {
        domainId: 0,
        tag: 1,
        payload: toBinary(TextContentSchema, create(TextContentSchema, { text: "héllo" })),
      }),
    );
    expect(bytes).toEqual(expected);
    expect(codecs.decode(bytes)).toEqual({ kind: "text", text: "héllo" });
  });

  it("deliver unknown content types as typed 'unsupported' items", () => {
    const sender = new ContentCodecs([reactionCodec as unknown as ContentCodec]);
    const bytes = sender.encode({ kind: "reaction", emoji: "+1" });
    expect(sender.decode(bytes)).toEqual({ kind: "reaction", emoji: "+1" });
    const receiver = new ContentCodecs();
    expect(receiver.decode(bytes)).toEqual({
      kind: "unsupported",
      domainId: 7,
      tag: 3,
      payload: new TextEncoder().encode("+1"),
      reason: "unknown-type",
    });
  });

  it("report badly-formed payloads and frames, never garbage", () => {
    const codecs = new ContentCodecs();
    const badText = toBinary(
      ContentFrameSchema,
      create(ContentFrameSchema, { domainId: 0, tag: 1, payload: Uint8Array.of(0x0a, 0x01, 0xff) }),
    );
    expect(codecs.decode(badText)).toMatchObject({ kind: "unsupported", domainId: 0, tag: 1, reason: "badly-formed" });
    expect(codecs.decode(Uint8Array.of(0xff, 0xff))).toMatchObject({ kind: "unsupported", reason: "badly-formed" });
  });

  it("refuse to send a kind without a codec and refuse conflicting registrations", () => {
    const codecs = new ContentCodecs();
    expect(() => codecs.encode({ kind: "reaction", emoji: "x" })).toThrow(/no codec/);
    expect(() => codecs.register({ ...reactionCodec, domainId: 0, tag: 1 } as unknown as ContentCodec)).toThrow(
      /already registered/,
    );
  });
});
