import { decodeTextContent, encodeTextContent } from "../../wire/hand/content.js";
import type { ContentCodec } from "./codec.js";
import type { TextContent } from "./types.js";

/** Domain 0 (https://github.com/waku-org/specs), tag 1: `TextContent{string text = 1}`. */
export const TEXT_DOMAIN_ID = 0;
export const TEXT_TAG = 1;

export const textCodec: ContentCodec<TextContent> = {
  kind: "text",
  domainId: TEXT_DOMAIN_ID,
  tag: TEXT_TAG,
  encode: (content) => encodeTextContent(content.text),
  decode(payload) {
    try {
      // proto3 strings are UTF-8-validated by protobuf-es: invalid text throws and becomes "badly-formed".
      return { kind: "text", text: decodeTextContent(payload) };
    } catch {
      return undefined;
    }
  },
};
