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

/**
 * One chunk of a file (Parley domain, tag 1). A file travels as `chunkCount` messages that share
 * `transferId` and repeat the file's description; each carries the bytes at `chunkIndex * chunkSize`. The
 * receiver checks the whole against `size` and `sha256` before it keeps it.
 */
export interface FileContent {
  readonly kind: "file";
  /** 16 random bytes, the same in every chunk of one file. */
  readonly transferId: Uint8Array;
  /** A plain file name (no path). */
  readonly name: string;
  /** e.g. "image/png". */
  readonly mediaType: string;
  readonly size: number;
  /** SHA-256 of the whole file. */
  readonly sha256: Uint8Array;
  /** Bytes in every chunk but the last. */
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly chunkIndex: number;
  readonly data: Uint8Array;
}

/**
 * The name the sender asks to be shown under. It is the sender's own claim: a receiver shows it as such and
 * never lets it pass for a name the user gave a contact (docs/PROTOCOL.md §5).
 */
export interface ProfileContent {
  readonly kind: "profile";
  readonly displayName: string;
}

/**
 * "I have left this conversation": the sender will not read what is sent to it any more (a 1:1 conversation
 * it deleted, or a group it is about to leave). It carries nothing else.
 */
export interface LeaveContent {
  readonly kind: "leave";
}

export type Content = TextContent | FileContent | ProfileContent | LeaveContent | UnsupportedContent | CustomContent;

export function text(value: string): TextContent {
  return { kind: "text", text: value };
}

export function isText(content: Content): content is TextContent {
  return content.kind === "text" && typeof (content as TextContent).text === "string";
}
