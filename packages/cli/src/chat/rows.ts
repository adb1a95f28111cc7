/**
 * The conversation as terminal rows: each line wrapped to the screen's width (a long message is as many
 * rows as it needs), a date row where the day changes, and a window of rows scrolled by rows, not by
 * messages, so a message taller than the screen can be read whole.
 */

import { fileState } from "./file-lines.js";
import { type ChatModel, type ConversationView, type Line, tick } from "./model.js";
import { conversationLabel, nameOf } from "./names.js";
import { displayWidth, sanitize, wrapLine } from "./text.js";

export interface Segment {
  readonly text: string;
  readonly color?: string;
  readonly dim?: boolean;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

export type Row = readonly Segment[];

export function rowText(row: Row): string {
  return row.map((s) => s.text).join("");
}

export function time(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ts: number): string {
  return new Date(ts).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Continuation rows start under the message text when the screen is wide enough to afford it. */
function indentFor(width: number): number {
  return width >= 50 ? 9 : 0;
}

/**
 * `prefix` (styled, on the first row) followed by `body` wrapped to `width`, then `suffix` after the last
 * row when it fits there (else on a row of its own).
 */
export function wrapRows(prefix: Row, body: string, width: number, suffix?: Segment, indent = indentFor(width)): Row[] {
  const pad = " ".repeat(indent);
  const first = width - displayWidth(rowText(prefix));
  const rows: Row[] = [];
  const lines = sanitize(body).split("\n");
  lines.forEach((line, i) => {
    const parts = wrapLine(line, i === 0 ? first : width - indent, width - indent);
    parts.forEach((p, j) => {
      if (i === 0 && j === 0) rows.push([...prefix, { text: p }]);
      else rows.push([{ text: pad + p }]);
    });
  });
  if (suffix) {
    const last = rows.at(-1)!;
    if (displayWidth(rowText(last)) + 1 + displayWidth(suffix.text) <= width)
      rows[rows.length - 1] = [...last, { ...suffix, text: ` ${suffix.text}` }];
    else rows.push([{ ...suffix, text: pad + suffix.text }]);
  }
  return rows;
}

function fileBody(line: Line): string {
  const f = line.file!;
  const what = `[file] ${f.name} (${formatSize(f.size)}, ${f.mediaType})`;
  if (line.kind === "out") {
    const n = f.chunks.size;
    return n < f.chunkCount ? `${what}: sending ${n}/${f.chunkCount}` : what;
  }
  if (f.problem) return `${what}: ${f.problem}`;
  if (f.savedAs) return `${what}: saved to ${f.savedAs}`;
  const got = Math.max(f.received ?? 0, f.chunks.size);
  return `${what}: receiving ${got}/${f.chunkCount} (${Math.floor((100 * got) / f.chunkCount)}%)`;
}

function stateColor(state: Line["state"]): string {
  return state === "lost" ? "red" : state === "acked" ? "green" : "gray";
}

/** The rows of one line at `width`. */
export function lineRows(line: Line, who: string, width: number): Row[] {
  const stamp: Segment = { text: `${time(line.timestamp)} `, dim: true };
  if (line.kind === "notice") return wrapRows([{ ...stamp, text: `${stamp.text}· ` }], line.text, width).map(dimRow);
  const mine = line.kind === "out";
  const prefix: Row = [
    stamp,
    { text: mine ? "me" : sanitize(who, false), color: mine ? "cyan" : "green", bold: true },
    { text: ": " },
  ];
  const body = line.file ? fileBody(line) : line.text;
  const state = line.file
    ? line.file.chunks.size === line.file.chunkCount
      ? fileState(line.file)
      : undefined
    : line.state;
  const t = mine ? tick(state) : "";
  return wrapRows(prefix, body, width, t ? { text: t, color: stateColor(state) } : undefined);
}

function dimRow(row: Row): Row {
  return row.map((s) => ({ ...s, dim: true }));
}

const memo = new WeakMap<Line, { readonly key: string; readonly rows: Row[] }>();

function memoRows(line: Line, who: string, width: number): Row[] {
  const key = `${width}\u0000${who}`;
  const hit = memo.get(line);
  if (hit?.key === key) return hit.rows;
  const rows = lineRows(line, who, width);
  memo.set(line, { key, rows });
  return rows;
}

/** Every row of a conversation at `width`, oldest first, with a date row before each new day. */
export function conversationRows(m: ChatModel, c: ConversationView, width: number): Row[] {
  const label = conversationLabel(m, c);
  const out: Row[] = [];
  let day = "";
  for (const line of c.lines) {
    const d = dayKey(line.timestamp);
    if (d !== day) {
      day = d;
      out.push([{ text: `── ${dayLabel(line.timestamp)} ──`, dim: true }]);
    }
    const who = line.sender ? nameOf(m, line.sender) : label;
    for (const r of memoRows(line, who, width)) out.push(r);
  }
  return out;
}

/** The rows to show: `height` rows ending `scroll` rows above the newest. Clamps `scroll`. */
export function windowRows(
  rows: readonly Row[],
  height: number,
  scroll: number,
): { rows: Row[]; scroll: number; start: number; maxScroll: number } {
  const maxScroll = Math.max(0, rows.length - height);
  const s = Math.max(0, Math.min(scroll, maxScroll));
  const start = Math.max(0, rows.length - height - s);
  return { rows: rows.slice(start, rows.length - s), scroll: s, start, maxScroll };
}
