/**
 * The input line as plain data: text, cursor and history, with the readline editing people's hands
 * expect (Ctrl-A/E/U/K/W, Alt-B/F, Up/Down through history). Multi-line: Up/Down move between the lines of
 * the text first. Every operation costs at most one copy of the text, so a 100 KB paste stays cheap.
 */
import type { KeyEvent } from "./keys.js";

export interface Editor {
  readonly text: string;
  /** UTF-16 index into `text`, never inside a surrogate pair. */
  readonly cursor: number;
  /** Sent lines, oldest first. */
  readonly history: readonly string[];
  /** Index into `history` while browsing it; `history.length` when editing the draft. */
  readonly browsing: number;
  /** The text being written before history was browsed. */
  readonly draft: string;
}

export const HISTORY_SIZE = 200;

export function emptyEditor(history: readonly string[] = []): Editor {
  return { text: "", cursor: 0, history, browsing: history.length, draft: "" };
}

function at(e: Editor, text: string, cursor: number): Editor {
  return { ...e, text, cursor };
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function prevIndex(text: string, i: number): number {
  if (i <= 0) return 0;
  return i >= 2 && isLow(text.charCodeAt(i - 1)) && !isLow(text.charCodeAt(i - 2)) ? i - 2 : i - 1;
}

function nextIndex(text: string, i: number): number {
  if (i >= text.length) return text.length;
  return isLow(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
}

export function insert(e: Editor, s: string): Editor {
  if (s === "") return e;
  return at(e, e.text.slice(0, e.cursor) + s + e.text.slice(e.cursor), e.cursor + s.length);
}

export function backspace(e: Editor): Editor {
  const p = prevIndex(e.text, e.cursor);
  return at(e, e.text.slice(0, p) + e.text.slice(e.cursor), p);
}

export function deleteForward(e: Editor): Editor {
  const n = nextIndex(e.text, e.cursor);
  return at(e, e.text.slice(0, e.cursor) + e.text.slice(n), e.cursor);
}

export function left(e: Editor): Editor {
  return at(e, e.text, prevIndex(e.text, e.cursor));
}

export function right(e: Editor): Editor {
  return at(e, e.text, nextIndex(e.text, e.cursor));
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf("\n", i - 1) + 1;
}

function lineEnd(text: string, i: number): number {
  const n = text.indexOf("\n", i);
  return n < 0 ? text.length : n;
}

/** Ctrl-A / Home: start of the current line. */
export function home(e: Editor): Editor {
  return at(e, e.text, lineStart(e.text, e.cursor));
}

/** Ctrl-E / End: end of the current line. */
export function end(e: Editor): Editor {
  return at(e, e.text, lineEnd(e.text, e.cursor));
}

const SPACE = /\s/;

function wordStart(text: string, i: number): number {
  let p = i;
  while (p > 0 && SPACE.test(text[p - 1]!)) p--;
  while (p > 0 && !SPACE.test(text[p - 1]!)) p--;
  return p;
}

function wordEnd(text: string, i: number): number {
  let p = i;
  while (p < text.length && SPACE.test(text[p]!)) p++;
  while (p < text.length && !SPACE.test(text[p]!)) p++;
  return p;
}

/** Alt-B / Ctrl-Left. */
export function wordLeft(e: Editor): Editor {
  return at(e, e.text, wordStart(e.text, e.cursor));
}

/** Alt-F / Ctrl-Right. */
export function wordRight(e: Editor): Editor {
  return at(e, e.text, wordEnd(e.text, e.cursor));
}

/** Ctrl-W / Alt-Backspace: the word before the cursor (and the spaces after it). */
export function killWordBefore(e: Editor): Editor {
  const p = wordStart(e.text, e.cursor);
  return at(e, e.text.slice(0, p) + e.text.slice(e.cursor), p);
}

/** Ctrl-U: from the start of the line to the cursor; at the start of a line, the line break before it. */
export function killToLineStart(e: Editor): Editor {
  const s = lineStart(e.text, e.cursor);
  const from = s === e.cursor && s > 0 ? s - 1 : s;
  return at(e, e.text.slice(0, from) + e.text.slice(e.cursor), from);
}

/** Ctrl-K: from the cursor to the end of the line. */
export function killToLineEnd(e: Editor): Editor {
  const n = lineEnd(e.text, e.cursor);
  const to = n === e.cursor && n < e.text.length ? n + 1 : n;
  return at(e, e.text.slice(0, e.cursor) + e.text.slice(to), e.cursor);
}

function recall(e: Editor, index: number): Editor {
  const text = index === e.history.length ? e.draft : e.history[index]!;
  const draft = e.browsing === e.history.length ? e.text : e.draft;
  return { ...e, text, cursor: text.length, browsing: index, draft };
}

/** Up: the line above in a multi-line text, else the previous history entry. */
export function up(e: Editor): Editor {
  const s = lineStart(e.text, e.cursor);
  if (s > 0) {
    const prev = lineStart(e.text, s - 1);
    return at(e, e.text, Math.min(prev + (e.cursor - s), s - 1));
  }
  return e.browsing > 0 ? recall(e, e.browsing - 1) : e;
}

/** Down: the line below in a multi-line text, else the next history entry (and finally the draft). */
export function down(e: Editor): Editor {
  const n = lineEnd(e.text, e.cursor);
  if (n < e.text.length) {
    const s = lineStart(e.text, e.cursor);
    return at(e, e.text, Math.min(n + 1 + (e.cursor - s), lineEnd(e.text, n + 1)));
  }
  return e.browsing < e.history.length ? recall(e, e.browsing + 1) : e;
}

/** Enter: the text to run, and an empty editor with it at the end of the history (once, not if blank). */
export function submit(e: Editor): { readonly line: string; readonly editor: Editor } {
  const line = e.text;
  const keep = line.trim() !== "" && line !== e.history.at(-1) && line.length <= 10_000;
  const history = keep ? [...e.history, line].slice(-HISTORY_SIZE) : e.history;
  return { line, editor: emptyEditor(history) };
}

/** Esc / Ctrl-U on one line: replace the whole text (keeps the history). */
export function setText(e: Editor, text: string): Editor {
  return { ...e, text, cursor: text.length, browsing: e.history.length };
}

/**
 * The input's share of the keys: the edited input for an editing key, undefined for any other (scrolling,
 * switching, Enter). Shift- or Ctrl-Up/Down scroll, so they are not editing keys.
 */
export function editKey(e: Editor, k: KeyEvent): Editor | undefined {
  if (k.type !== "key") return undefined;
  if (k.name === "char") {
    if (k.alt) return k.char === "b" ? wordLeft(e) : k.char === "f" ? wordRight(e) : undefined;
    if (!k.ctrl) return undefined;
    const byCtrl: Record<string, (x: Editor) => Editor> = {
      a: home,
      e: end,
      u: killToLineStart,
      k: killToLineEnd,
      w: killWordBefore,
      d: deleteForward,
      p: up,
      n: down,
      j: (x) => insert(x, "\n"),
    };
    return byCtrl[k.char ?? ""]?.(e);
  }
  const word = k.ctrl || k.alt;
  switch (k.name) {
    case "newline":
      return insert(e, "\n");
    case "left":
      return word ? wordLeft(e) : left(e);
    case "right":
      return word ? wordRight(e) : right(e);
    case "home":
      return home(e);
    case "end":
      return end(e);
    case "backspace":
      return k.alt ? killWordBefore(e) : backspace(e);
    case "delete":
      return deleteForward(e);
    case "up":
      return k.shift || k.ctrl ? undefined : up(e);
    case "down":
      return k.shift || k.ctrl ? undefined : down(e);
    default:
      return undefined;
  }
}
