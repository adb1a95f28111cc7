/**
 * What a line typed in `parley chat` means. Pure, so every command's syntax is tested without a terminal.
 */
import { ACCOUNT_HELP, type AccountCommand, addressCommand, parseAccountInput } from "./account-input.js";

export type ChatCommand =
  | AccountCommand
  | { readonly kind: "send"; readonly text: string }
  /** Possible splits of what followed /new into a bundle and a first message, the longest bundle first. */
  | { readonly kind: "new"; readonly force: boolean; readonly candidates: readonly BundleSplit[] }
  | { readonly kind: "list" }
  | { readonly kind: "switch"; readonly n: number }
  | { readonly kind: "me" }
  | { readonly kind: "copy" }
  | { readonly kind: "name"; readonly label: string }
  | { readonly kind: "nick"; readonly name: string }
  | { readonly kind: "group"; readonly name: string; readonly numbers: readonly number[] }
  | { readonly kind: "add" | "remove"; readonly numbers: readonly number[] }
  | { readonly kind: "members" }
  | { readonly kind: "leave" }
  | { readonly kind: "delete" }
  | { readonly kind: "archive" | "unarchive"; readonly n?: number }
  | { readonly kind: "send-file"; readonly path: string }
  | { readonly kind: "search"; readonly text: string }
  | { readonly kind: "requests" }
  | { readonly kind: "accept" | "refuse"; readonly n: number }
  | { readonly kind: "clear" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "none" }
  | { readonly kind: "invalid"; readonly message: string };

export interface BundleSplit {
  readonly bundle: string;
  readonly text: string;
}

export const BUNDLE_PREFIX = "logos_chatintro_1_";

/** Every command with what it does, as `/help` and `parley chat --help` list them. */
export const HELP: readonly (readonly [string, string])[] = [
  [
    "/new <bundle> <message>",
    "start a conversation from someone's intro bundle, with a first message. The bundle may hold spaces or line breaks (as copied from a screen). If you already talk with them, you are taken there; /new -f starts a second conversation anyway",
  ],
  ["/new <address>", "start a conversation with every device of the account of that address (see /account)"],
  ["/list", "list conversations: number, name, key, unread count, archived"],
  ["/switch N", "switch to conversation N (or Tab / Shift-Tab)"],
  ["/me", "show my intro bundle on its own, to copy with the mouse (or Ctrl-B)"],
  ["/copy", "copy my bundle to the clipboard (OSC 52) and write it to a file"],
  ["/name LABEL", "name the current conversation (in a group: rename the group for every member)"],
  ["/nick NAME", "the display name my peers see (sent to each conversation; default: the profile name)"],
  ["/send PATH", "send a file (images too) to the current conversation"],
  ["/search TEXT", "search the history of every conversation"],
  [
    "/requests",
    "list message requests: invites from new contacts waiting for your answer (parley chat --requests asks for them)",
  ],
  ["/accept N", "accept message request N: its conversation starts and its first message shows"],
  ["/refuse N", "refuse message request N: it is deleted and nothing is sent to its sender"],
  ["/group NAME N [N…]", "create a group with the people of 1:1 conversations N… (MLS, GroupV1)"],
  ["/add N [N…]", "add the people of 1:1 conversations N… to the current group"],
  ["/remove N [N…]", "remove them from the current group"],
  ["/members", "list the current group's members"],
  ["/leave", "leave the current group, or end a 1:1 conversation: they are told, and it is deleted here (asks first)"],
  ["/archive [N]", "hide a conversation from the bar until a new message comes (/list still shows it)"],
  ["/unarchive N", "put it back in the bar"],
  ["/delete", "delete the current conversation, its history and its keys; nothing is sent (asks first)"],
  ...ACCOUNT_HELP,
  ["/clear", "clear the notices (or Esc)"],
  ["/help", "this help"],
  ["/quit", "leave (or Ctrl-C); everything is kept in the profile"],
  ["anything else", "is sent to the current conversation (// sends a line that starts with /)"],
];

/** The keys, for `/help` and `parley chat --help`. */
export const KEYS: readonly (readonly [string, string])[] = [
  ["Enter", "send; Alt-Enter or Ctrl-J starts a new line (a paste keeps its line breaks)"],
  ["Tab, Shift-Tab", "next, previous conversation"],
  ["Left, Right", "move (with Ctrl or Alt: by word; Alt-B, Alt-F too)"],
  ["Home, End", "start, end of the line (Ctrl-A, Ctrl-E too)"],
  ["Ctrl-U, Ctrl-K, Ctrl-W", "delete to the start of the line, to its end, the word before"],
  ["Up, Down", "the line above or below, else earlier lines sent (Ctrl-P, Ctrl-N too)"],
  ["PageUp, PageDown", "scroll a page; Shift-Up, Shift-Down scroll a line; older messages load at the top"],
  ["Ctrl-B", "show or hide my intro bundle"],
  ["Esc", "close a panel (help, lists, bundle), else clear the notices"],
  ["Ctrl-C", "quit"],
];

/** Two columns of help as plain lines of at most `width` columns (for --help). */
export function helpText(rows: readonly (readonly [string, string])[], width = 100): string {
  const col = Math.max(...rows.map(([t]) => t.length)) + 4;
  const out: string[] = [];
  for (const [term, text] of rows) {
    let line = `  ${term}`.padEnd(col);
    for (const word of text.split(" ")) {
      if (line.length + word.length + 1 > width && line.trim() !== term) {
        out.push(line.trimEnd());
        line = " ".repeat(col);
      }
      line += line.endsWith(" ") ? word : ` ${word}`;
    }
    out.push(line.trimEnd());
  }
  return out.join("\n");
}

const BOX = /[\u2500-\u257f]/g;
const BUNDLE_PART = /^[A-Za-z0-9_-]+$/;

/**
 * The ways to read `rest` as "<bundle> <message>" when the bundle may have been broken over several lines
 * (with box borders, when copied from a screen): every run of bundle-like words after the prefix is a
 * candidate, longest first. The caller keeps the first whose bundle parses.
 */
export function bundleSplits(rest: string): BundleSplit[] {
  const clean = rest.replace(BOX, " ");
  const tokens = [...clean.matchAll(/\S+/g)].map((t) => ({ text: t[0], start: t.index }));
  if (!tokens[0]?.text.startsWith(BUNDLE_PREFIX)) return [];
  let n = 1;
  while (n < tokens.length && BUNDLE_PART.test(tokens[n]!.text)) n++;
  const out: BundleSplit[] = [];
  for (let k = Math.min(n, tokens.length); k >= 1; k--) {
    const bundle = tokens
      .slice(0, k)
      .map((t) => t.text)
      .join("");
    const text = k < tokens.length ? clean.slice(tokens[k]!.start).trim() : "";
    out.push({ bundle, text });
  }
  return out;
}

function numbers(words: readonly string[]): number[] | undefined {
  const ns = words.map(Number);
  return ns.length > 0 && ns.every((n) => Number.isInteger(n) && n >= 1) ? ns : undefined;
}

export function parseInput(raw: string): ChatCommand {
  const line = raw.trim();
  if (line === "") return { kind: "none" };
  // A pasted bundle alone is a friendly shortcut for /new without the slash: ask for the message.
  const alone = bundleSplits(line);
  if (alone.length > 0 && alone[0]!.text === "")
    return { kind: "invalid", message: "to start a conversation type /new <bundle> <first message>" };
  if (!line.startsWith("/")) return { kind: "send", text: raw.replace(/^\n+|\s+$/g, "") };
  if (line.startsWith("//")) return { kind: "send", text: line.slice(1) };
  const [cmd = "", ...rest] = line.slice(1).split(/\s+/);
  const arg = line.slice(1 + cmd.length).trim();
  switch (cmd.toLowerCase()) {
    case "new": {
      const force = rest[0] === "-f";
      const after = force ? arg.slice(2).trim() : arg;
      if (!after) return { kind: "invalid", message: "usage: /new <bundle> <first message>" };
      const account = addressCommand(after);
      if (account) return account;
      if (!after.replace(BOX, " ").trim().startsWith(BUNDLE_PREFIX))
        return { kind: "invalid", message: `that is not an intro bundle (they start with ${BUNDLE_PREFIX})` };
      const candidates = bundleSplits(after);
      if (candidates.every((c) => c.text === ""))
        return { kind: "invalid", message: "usage: /new <bundle> <first message> (the first message is required)" };
      return { kind: "new", force, candidates };
    }
    case "list":
    case "ls":
      return { kind: "list" };
    case "switch":
    case "s": {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1) return { kind: "invalid", message: "usage: /switch N (see /list)" };
      return { kind: "switch", n };
    }
    case "me":
    case "bundle":
      return { kind: "me" };
    case "copy":
      return { kind: "copy" };
    case "name":
      if (!arg) return { kind: "invalid", message: "usage: /name LABEL" };
      return { kind: "name", label: arg.replace(/\s+/g, " ").slice(0, 32) };
    case "nick": {
      const name = arg.replace(/\s+/g, " ");
      if (!name || name.length > 64) return { kind: "invalid", message: "usage: /nick NAME (1-64 characters)" };
      return { kind: "nick", name };
    }
    case "send": {
      const path = arg.replace(/^(["'])(.*)\1$/, "$2");
      if (!path) return { kind: "invalid", message: "usage: /send PATH (a file to send to this conversation)" };
      return { kind: "send-file", path };
    }
    case "search":
    case "find":
      if (!arg) return { kind: "invalid", message: "usage: /search TEXT" };
      return { kind: "search", text: arg };
    case "group": {
      const [name, ...nums] = rest;
      const ns = numbers(nums);
      if (!name || !ns)
        return { kind: "invalid", message: "usage: /group NAME N [N…] (N: numbers of 1:1 conversations, see /list)" };
      return { kind: "group", name, numbers: ns };
    }
    case "add":
    case "remove": {
      const ns = numbers(rest);
      if (!ns)
        return {
          kind: "invalid",
          message: `usage: /${cmd.toLowerCase()} N [N…] (N: numbers of 1:1 conversations, see /list)`,
        };
      return { kind: cmd.toLowerCase() as "add" | "remove", numbers: ns };
    }
    case "archive":
    case "unarchive": {
      const kind = cmd.toLowerCase() as "archive" | "unarchive";
      if (!arg) return kind === "archive" ? { kind } : { kind: "invalid", message: "usage: /unarchive N (see /list)" };
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1) return { kind: "invalid", message: `usage: /${kind} N (see /list)` };
      return { kind, n };
    }
    case "members":
      return { kind: "members" };
    case "requests":
      return { kind: "requests" };
    case "accept":
    case "refuse": {
      const kind = cmd.toLowerCase() as "accept" | "refuse";
      const n = Number(arg);
      if (!arg || !Number.isInteger(n) || n < 1)
        return { kind: "invalid", message: `usage: /${kind} N (see /requests)` };
      return { kind, n };
    }
    case "leave":
      return { kind: "leave" };
    case "delete":
      return { kind: "delete" };
    case "clear":
      return { kind: "clear" };
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
    case "q":
      return { kind: "quit" };
    default:
      return (
        parseAccountInput(cmd.toLowerCase(), arg) ?? {
          kind: "invalid",
          message: `unknown command /${cmd}; /help lists them (start with // to send a slash)`,
        }
      );
  }
}
