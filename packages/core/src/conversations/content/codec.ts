import { ParleyError } from "../../base/errors.js";
import { type ContentFrameFields, decodeContentFrame, encodeContentFrame } from "../../wire/hand/content.js";
import { fileCodec } from "./file.js";
import { leaveCodec } from "./leave.js";
import { profileCodec } from "./profile.js";
import { textCodec } from "./text.js";
import type { Content, UnsupportedContent } from "./types.js";

/** Encodes one content kind as the payload of a ContentFrame with a fixed (domain_id, tag). */
export interface ContentCodec<C extends Content = Content> {
  readonly kind: C["kind"];
  readonly domainId: number;
  readonly tag: number;
  encode(content: C): Uint8Array;
  /** Total: returns undefined for a payload it cannot read. */
  decode(payload: Uint8Array): C | undefined;
}

export class ContentError extends ParleyError {
  declare readonly code: "content-kind-unknown" | "content-codec-conflict" | "content-invalid";
}

/** The codecs every client has: text (domain 0, tag 1) and Parley's own types (docs/PROTOCOL.md §5). */
export const STANDARD_CODECS: readonly ContentCodec[] = [
  textCodec as ContentCodec,
  fileCodec as unknown as ContentCodec,
  profileCodec as unknown as ContentCodec,
  leaveCodec as unknown as ContentCodec,
];

/**
 * The codecs a client understands, by kind (to send) and by (domain_id, tag) (to receive). The standard
 * codecs are always present.
 */
export class ContentCodecs {
  private readonly byKind = new Map<string, ContentCodec>();
  private readonly byType = new Map<string, ContentCodec>();

  constructor(codecs: readonly ContentCodec[] = []) {
    for (const c of STANDARD_CODECS) this.register(c);
    for (const c of codecs) this.register(c);
  }

  register(codec: ContentCodec): this {
    const type = `${codec.domainId}/${codec.tag}`;
    const existing = this.byType.get(type);
    if (
      (existing && existing !== codec) ||
      codec.kind === "unsupported" ||
      (this.byKind.has(codec.kind) && this.byKind.get(codec.kind) !== codec)
    )
      throw new ContentError("content-codec-conflict", `a codec for ${codec.kind} (${type}) is already registered`);
    this.byKind.set(codec.kind, codec);
    this.byType.set(type, codec);
    return this;
  }

  /** Encoded ContentFrame bytes. Unsupported content is re-sent as the frame it arrived in. */
  encode(content: Content): Uint8Array {
    if (content.kind === "unsupported") {
      const u = content as UnsupportedContent;
      return encodeContentFrame(u.domainId, u.tag, u.payload);
    }
    const codec = this.byKind.get(content.kind);
    if (!codec) throw new ContentError("content-kind-unknown", `no codec for content kind "${content.kind}"`);
    return encodeContentFrame(codec.domainId, codec.tag, codec.encode(content));
  }

  /** Total: any bytes give a Content; what cannot be read becomes `unsupported` with a reason. */
  decode(bytes: Uint8Array): Content {
    let frame: ContentFrameFields;
    try {
      frame = decodeContentFrame(bytes);
    } catch {
      return { kind: "unsupported", domainId: 0, tag: 0, payload: bytes, reason: "badly-formed" };
    }
    const codec = this.byType.get(`${frame.domainId}/${frame.tag}`);
    if (!codec) return unsupported(frame, "unknown-type");
    const value = codec.decode(frame.payload);
    return value ?? unsupported(frame, "badly-formed");
  }
}

function unsupported(frame: ContentFrameFields, reason: UnsupportedContent["reason"]): UnsupportedContent {
  return { kind: "unsupported", domainId: frame.domainId, tag: frame.tag, payload: frame.payload, reason };
}
