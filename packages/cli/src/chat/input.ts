/**
 * What a line typed in `parley chat` means. Pure, so every command's syntax is tested without a terminal.
 */
export type ChatCommand =
  | { readonly kind: "send"; readonly text: string }
  | { readonly kind: "new"; readonly bundle: string; readonly text: string }
  | { readonly kind: "list" }
  | { readonly kind: "switch"; readonly n: number }
  | { readonly kind: "me" }
  | { readonly kind: "copy" }
  | { readonly kind: "name"; readonly label: string }
  | { readonly kind: "group"; readonly name: string; readonly numbers: readonly number[] }
  | { readonly kind: "add" | "remove"; readonly numbers: readonly number[] }
  | { readonly kind: "members" }
  | { readonly kind: "leave" }
  | { readonly kind: "clear" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "none" }
  | { readonly kind: "invalid"; readonly message: string };

export const BUNDLE_PREFIX = "logos_chatintro_1_";

export const HELP: readonly string[] = [
  "/new <bundle> <message>  start a conversation from someone's intro bundle, with a first message",
  "/list                    list conversations (number, name, unread count)",
  "/switch N                switch to conversation N (or Tab / Shift-Tab); PageUp/PageDown scroll",
  "/me                      show my intro bundle (or Ctrl-B); hand it to whoever should reach you",
  "/copy                    copy my bundle to the clipboard (OSC 52) and write it to a file",
  "/name LABEL              name the current conversation (a group's new name reaches every member)",
  "/group NAME N [N…]       create a group with the people of 1:1 conversations N… (MLS, GroupV1)",
  "/add N [N…], /remove N…  add or remove the people of 1:1 conversations N… in the current group",
  "/members, /leave         list the current group's members; leave it",
  "/clear                   clear the notices",
  "/help                    this help",
  "/quit                    leave (or Ctrl-C); everything is kept in the profile",
  "anything else            is sent to the current conversation",
];

export function parseInput(raw: string): ChatCommand {
  const line = raw.trim();
  if (line === "") return { kind: "none" };
  // A pasted bundle alone is a friendly shortcut for /new without the slash: ask for the message.
  if (line.startsWith(BUNDLE_PREFIX) && !line.includes(" "))
    return { kind: "invalid", message: "to start a conversation type /new <bundle> <first message>" };
  if (!line.startsWith("/")) return { kind: "send", text: line };
  if (line.startsWith("//")) return { kind: "send", text: line.slice(1) };
  const [cmd = "", ...rest] = line.slice(1).split(/\s+/);
  const arg = line.slice(1 + cmd.length).trim();
  switch (cmd.toLowerCase()) {
    case "new": {
      const [bundle, ...words] = rest;
      if (!bundle) return { kind: "invalid", message: "usage: /new <bundle> <first message>" };
      if (!bundle.startsWith(BUNDLE_PREFIX))
        return { kind: "invalid", message: `that is not an intro bundle (they start with ${BUNDLE_PREFIX})` };
      const text = arg.slice(arg.indexOf(bundle) + bundle.length).trim();
      if (words.length === 0 || text === "")
        return { kind: "invalid", message: "usage: /new <bundle> <first message> (the first message is required)" };
      return { kind: "new", bundle, text };
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
      return { kind: "name", label: arg.slice(0, 32) };
    case "group": {
      const [name, ...nums] = rest;
      const numbers = nums.map(Number);
      if (!name || numbers.length === 0 || !numbers.every((n) => Number.isInteger(n) && n >= 1))
        return { kind: "invalid", message: "usage: /group NAME N [N…] (N: numbers of 1:1 conversations, see /list)" };
      return { kind: "group", name, numbers };
    }
    case "add":
    case "remove": {
      const numbers = rest.map(Number);
      if (numbers.length === 0 || !numbers.every((n) => Number.isInteger(n) && n >= 1))
        return {
          kind: "invalid",
          message: `usage: /${cmd.toLowerCase()} N [N…] (N: numbers of 1:1 conversations, see /list)`,
        };
      return { kind: cmd.toLowerCase() as "add" | "remove", numbers };
    }
    case "members":
      return { kind: "members" };
    case "leave":
      return { kind: "leave" };
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
      return { kind: "invalid", message: `unknown command /${cmd}; /help lists them (start with // to send a slash)` };
  }
}
