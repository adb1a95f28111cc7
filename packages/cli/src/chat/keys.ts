/**
 * Terminal input as the chat reads it: ink splits what stdin delivers at escape characters, and this turns
 * each piece into keys, text and bracketed-paste marks. Pure, so every key is tested without a terminal.
 *
 * Text typed ahead or pasted without bracketed paste arrives as one run: a carriage return at the end of a
 * run is Enter, one inside it is a line break of pasted text (terminals send pasted line breaks as CR).
 */
export type KeyName =
  | "enter"
  | "newline"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "pageup"
  | "pagedown"
  | "tab"
  | "escape"
  | "char";

export type KeyEvent =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "paste-start" }
  | { readonly type: "paste-end" }
  | {
      readonly type: "key";
      readonly name: KeyName;
      /** For "char": the letter or symbol pressed with Ctrl or Alt. */
      readonly char?: string;
      readonly ctrl?: boolean;
      readonly alt?: boolean;
      readonly shift?: boolean;
    };

const ESC = "\u001b";

/** Enables bracketed paste (the terminal marks pasted text) and disables it. */
export const BRACKETED_PASTE_ON = `${ESC}[?2004h`;
export const BRACKETED_PASTE_OFF = `${ESC}[?2004l`;

const CSI_FINAL: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};
const CSI_TILDE: Record<string, KeyName> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
  "5": "pageup",
  "6": "pagedown",
};

function key(name: KeyName, mods: { ctrl?: boolean; alt?: boolean; shift?: boolean } = {}, char?: string): KeyEvent {
  return {
    type: "key",
    name,
    ...(char !== undefined && { char }),
    ...(mods.ctrl && { ctrl: true }),
    ...(mods.alt && { alt: true }),
    ...(mods.shift && { shift: true }),
  };
}

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(param: string | undefined): { ctrl?: boolean; alt?: boolean; shift?: boolean } {
  const n = Number(param ?? "1") - 1;
  if (!Number.isInteger(n) || n <= 0) return {};
  return { ...(n & 1 && { shift: true }), ...(n & 2 && { alt: true }), ...(n & 4 && { ctrl: true }) };
}

/** One escape sequence (a piece that starts with ESC). */
function escapeSequence(s: string): KeyEvent[] {
  if (s === ESC) return [key("escape")];
  if (s === `${ESC}[200~`) return [{ type: "paste-start" }];
  if (s === `${ESC}[201~`) return [{ type: "paste-end" }];
  if (s === `${ESC}[Z`) return [key("tab", { shift: true })];
  const doubled = s.startsWith(ESC, 1);
  const body = s.slice(doubled ? 2 : 1);
  const csi = /^\[(\d*)(?:;(\d+))?([A-Za-z~])$/.exec(body) ?? /^O()()([A-DHF])$/.exec(body);
  if (csi) {
    const [, first, mod, final] = csi;
    const name = final === "~" ? CSI_TILDE[first ?? ""] : first === "" || first === "1" ? CSI_FINAL[final!] : undefined;
    if (!name) return [];
    const m = modifiers(mod);
    return [key(name, doubled ? { ...m, alt: true } : m)];
  }
  const rest = s.slice(1);
  if (rest === "\r") return [key("newline")];
  if (rest === "\u007f" || rest === "\b") return [key("backspace", { alt: true })];
  if ([...rest].length === 1 && rest >= " ") return [key("char", { alt: true }, rest)];
  return [];
}

/** Decodes one piece of input as ink delivers it. */
export function decodeKeys(piece: string): KeyEvent[] {
  if (piece.startsWith(ESC)) return escapeSequence(piece);
  const out: KeyEvent[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ type: "text", text });
    text = "";
  };
  const single = piece.length === 1;
  for (let i = 0; i < piece.length; i++) {
    const ch = piece[i]!;
    const code = ch.charCodeAt(0);
    if (ch === "\r" || ch === "\n") {
      const last = i === piece.length - 1 || (ch === "\r" && piece[i + 1] === "\n" && i + 1 === piece.length - 1);
      if (last) {
        flush();
        // A terminal sends CR for Enter; LF is Ctrl-J, a new line wherever it comes.
        out.push(key(ch === "\n" ? "newline" : "enter"));
        break;
      }
      if (ch === "\r" && piece[i + 1] === "\n") i++;
      text += "\n";
    } else if (ch === "\t") {
      if (single) out.push(key("tab"));
      else text += "\t";
    } else if (code === 0x7f || code === 0x08) {
      flush();
      out.push(key("backspace"));
    } else if (code < 0x20) {
      flush();
      out.push(key("char", { ctrl: true }, String.fromCharCode(code + 0x60)));
    } else text += ch;
  }
  flush();
  return out;
}
