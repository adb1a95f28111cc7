/**
 * What a message shows as text. Its own module: the views need it, and importing it from session.ts would
 * pull the protocol and network code into the first screen's chunk.
 */
import type { HistoryItem } from "@parley/core";

type Content = HistoryItem["content"];

export function contentText(content: Content): string {
  if (content.kind === "text" && typeof (content as { text?: unknown }).text === "string")
    return (content as { text: string }).text;
  if (content.kind === "unsupported") return "[content this version cannot show]";
  return `[${content.kind}]`;
}
