/**
 * Application content (CONTENTFRAME): what a user sends and sees. Every item has a `kind`; content that this
 * client cannot decode reaches the application as an `UnsupportedContent`, never as raw garbage.
 */
export interface TextContent {
  readonly kind: "text";
  readonly text: string;
}

/** A ContentFrame whose (domain, tag) has no registered codec, or whose payload its codec rejected. */
export interface UnsupportedContent {
  readonly kind: "unsupported";
  readonly domainId: number;
  readonly tag: number;
  readonly payload: Uint8Array;
  readonly reason: "unknown-type" | "badly-formed";
}

/** Content of a type an application registered its own codec for. */
export interface CustomContent {
  readonly kind: string;
  readonly [field: string]: unknown;
}

export type Content = TextContent | UnsupportedContent | CustomContent;

export function text(value: string): TextContent {
  return { kind: "text", text: value };
}

export function isText(content: Content): content is TextContent {
  return content.kind === "text" && typeof (content as TextContent).text === "string";
}
