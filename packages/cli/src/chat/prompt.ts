/**
 * The input area as rows: the text hard-wrapped to the screen, the rows around the cursor (so the cursor
 * and the last character typed are always visible), and a summary row when the text is larger than what
 * shows. Lines of plain ASCII are cut arithmetically, so a 100 KB paste costs no more to draw than a word.
 */
import type { Row, Segment } from "./rows.js";
import { displayWidth } from "./text.js";

const ASCII = /^[\u0020-\u007e]*$/;
const segmenter = new Intl.Segmenter();

/** Where each row of one line starts and ends (UTF-16 offsets into the line). */
function cuts(line: string, first: number, rest: number): number[] {
  const out = [0];
  if (ASCII.test(line)) {
    for (let p = first; p < line.length; p += rest) out.push(p);
    return out;
  }
  let used = 0;
  let limit = first;
  for (const { segment, index } of segmenter.segment(line)) {
    const w = displayWidth(segment);
    if (used + w > limit && used > 0) {
      out.push(index);
      used = 0;
      limit = rest;
    }
    used += w;
  }
  return out;
}

/** One character of input as it shows: tabs and control characters take one visible column. */
function shown(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) ? "·" : ch;
  }
  return out;
}

export interface PromptView {
  readonly rows: Row[];
}

/**
 * At most `maxRows` rows of `text` with the cursor drawn, `prompt` before the first row of the text (and
 * blank space of its width before the others). `busy` replaces the prompt while a command runs.
 */
export function promptRows(text: string, cursor: number, width: number, maxRows: number, busy?: string): PromptView {
  const prompt = busy ? `${busy} ` : "> ";
  const pw = Math.min(displayWidth(prompt), Math.max(2, width - 10));
  const room = Math.max(4, width - pw);
  // Only the lines near the cursor are wrapped: at most maxRows lines before and after it.
  let from = text.lastIndexOf("\n", cursor - 1) + 1;
  for (let k = 0; k < maxRows && from > 0; k++) from = text.lastIndexOf("\n", from - 2) + 1;
  let to = text.indexOf("\n", cursor);
  if (to < 0) to = text.length;
  for (let k = 0; k < maxRows && to < text.length; k++) {
    const n = text.indexOf("\n", to + 1);
    to = n < 0 ? text.length : n;
  }
  type Piece = { start: number; end: number };
  const pieces: Piece[] = [];
  let cursorPiece = 0;
  let lineStart = from;
  for (;;) {
    const nl = text.indexOf("\n", lineStart);
    const lineEnd = nl < 0 || nl > to ? to : nl;
    const line = text.slice(lineStart, lineEnd);
    const cs = cuts(line, room, room);
    cs.forEach((c, i) => {
      const start = lineStart + c;
      const end = lineStart + (cs[i + 1] ?? line.length);
      if (cursor >= start && (cursor < end || (cursor === end && i === cs.length - 1))) cursorPiece = pieces.length;
      pieces.push({ start, end });
    });
    // A full last row leaves no column for the cursor at its end: the cursor starts the next row.
    const tail = pieces.at(-1)!;
    if (cursor === lineEnd && tail.end === lineEnd && displayWidth(text.slice(tail.start, tail.end)) >= room) {
      cursorPiece = pieces.length;
      pieces.push({ start: lineEnd, end: lineEnd });
    }
    if (lineEnd >= to) break;
    lineStart = lineEnd + 1;
  }
  // A window of maxRows rows holding the cursor, as low as it can go.
  const last = Math.min(pieces.length, Math.max(cursorPiece + 1, Math.min(pieces.length, maxRows)));
  const first = Math.max(0, last - maxRows);
  const rows: Row[] = [];
  for (let i = first; i < last; i++) {
    const p = pieces[i]!;
    const lead: Segment =
      i === first ? { text: prompt.slice(0, pw).padEnd(pw), color: "cyan" } : { text: " ".repeat(pw) };
    const body = text.slice(p.start, p.end);
    if (i !== cursorPiece) {
      rows.push([lead, { text: shown(body) }]);
      continue;
    }
    const at = cursor - p.start;
    const ch = text.slice(cursor, cursor + 2);
    const under = cursor < p.end ? (ch.charCodeAt(1) >= 0xdc00 && ch.charCodeAt(1) <= 0xdfff ? ch : ch[0]!) : " ";
    rows.push([
      lead,
      { text: shown(body.slice(0, at)) },
      { text: shown(under), inverse: true },
      { text: shown(body.slice(at + (cursor < p.end ? under.length : 0))) },
    ]);
  }
  return { rows };
}

/** A summary of a text too large to show whole: its size and lines. */
export function inputSummary(text: string): string | undefined {
  if (text.length < 2_000 && !text.includes("\n")) return undefined;
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
  if (text.length < 2_000 && lines <= 3) return undefined;
  return `${text.length.toLocaleString("en-US")} characters, ${lines} line${lines === 1 ? "" : "s"} · Enter sends · Alt-Enter new line · Ctrl-U deletes a line`;
}
