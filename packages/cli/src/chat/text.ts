/**
 * Text as the terminal shows it: display widths, control characters made harmless, and word wrapping to
 * rows of at most a given width. Everything the chat draws goes through here, so no peer can send escape
 * sequences to the terminal and no row is ever wider than the screen.
 */
import stringWidth from "string-width";

const ASCII = /^[\u0020-\u007e]*$/;

/** Columns `s` takes on the terminal. */
export function displayWidth(s: string): number {
  return ASCII.test(s) ? s.length : stringWidth(s);
}

/**
 * Control characters shown as visible marks (^[ for ESC, and so on), tabs as spaces, and C1 controls as
 * U+FFFD: nothing a message holds can move the cursor, change colours or talk to the terminal.
 */
export function sanitize(s: string, keepNewlines = true): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c <= 0x9f)) continue;
    if (c === 0x0a && keepNewlines) continue;
    out += s.slice(start, i);
    start = i + 1;
    if (c === 0x09) out += "    ";
    else if (c === 0x0a) out += " ";
    else if (c < 0x20) out += `^${String.fromCharCode(c + 0x40)}`;
    else if (c === 0x7f) out += "^?";
    else out += "\ufffd";
  }
  return start === 0 ? s : out + s.slice(start);
}

interface Unit {
  readonly text: string;
  readonly width: number;
  readonly space: boolean;
}

const segmenter = new Intl.Segmenter();

function units(line: string): Unit[] {
  if (ASCII.test(line)) return Array.from(line, (ch) => ({ text: ch, width: 1, space: ch === " " }));
  const out: Unit[] = [];
  for (const { segment } of segmenter.segment(line))
    out.push({ text: segment, width: stringWidth(segment), space: segment === " " });
  return out;
}

/**
 * One line of text (no line breaks) cut into rows: the first at most `first` columns wide, the others at
 * most `rest`. Breaks at spaces where it can (the space is dropped), inside a word when the word is longer
 * than a row.
 */
export function wrapLine(line: string, first: number, rest = first): string[] {
  const rows: string[] = [];
  let limit = Math.max(1, first);
  if (ASCII.test(line) && line.length <= limit) return [line];
  const u = units(line);
  let row = "";
  let used = 0;
  let i = 0;
  const newRow = () => {
    rows.push(row);
    row = "";
    used = 0;
    limit = Math.max(1, rest);
  };
  while (i < u.length) {
    if (u[i]!.space) {
      if (used + 1 <= limit) {
        row += " ";
        used += 1;
      } else newRow();
      i++;
      continue;
    }
    let j = i;
    let w = 0;
    while (j < u.length && !u[j]!.space) w += u[j++]!.width;
    if (used + w <= limit) {
      for (let k = i; k < j; k++) row += u[k]!.text;
      used += w;
      i = j;
      continue;
    }
    if (w <= Math.max(1, rest) && used > 0) {
      // The word fits a row of its own: break before it (and drop the spaces left at the end of this one).
      row = row.trimEnd();
      newRow();
      continue;
    }
    // Longer than a row: fill this one and go on in the next.
    while (i < j) {
      const cw = u[i]!.width;
      if (used + cw > limit && used > 0) newRow();
      row += u[i]!.text;
      used += cw;
      i++;
    }
  }
  rows.push(row);
  return rows;
}

/** The last `columns` columns of `s` (for the end of a long input row). */
export function tailToWidth(s: string, columns: number): string {
  if (displayWidth(s) <= columns) return s;
  const u = units(s);
  let w = 0;
  let i = u.length;
  while (i > 0 && w + u[i - 1]!.width <= columns) w += u[--i]!.width;
  return u
    .slice(i)
    .map((x) => x.text)
    .join("");
}

/** `s` cut to at most `columns` columns, with "…" when something was cut. */
export function truncate(s: string, columns: number): string {
  if (displayWidth(s) <= columns) return s;
  const u = units(s);
  let out = "";
  let w = 0;
  for (const x of u) {
    if (w + x.width > columns - 1) break;
    out += x.text;
    w += x.width;
  }
  return `${out}…`;
}
