/**
 * What a typed command runs against (the session and the screen's state), and the two ways it answers: a
 * notice, or a question that waits for the command to be typed again.
 */
import { type ChatModel, notice, setNotice } from "./model.js";
import type { ChatPendingLink, ChatSession } from "./session.js";
import type { Panel } from "./view.js";

export interface CommandContext {
  readonly session: ChatSession;
  model(): ChatModel;
  update(f: (m: ChatModel) => ChatModel): void;
  showPanel(panel: Panel | undefined): void;
  setBusy(text: string | undefined): void;
  /** Puts text back into the input line. */
  setInput(text: string): void;
  /** Back to the newest rows of the conversation. */
  resetScroll(): void;
  exit(): void;
  writeRaw?(s: string): void;
  /** Group members who said they were leaving (so their going is not called a removal). */
  readonly leaving: Set<string>;
  /** I renamed a group (so the change is not reported as news). */
  renamedGroup(conversationId: string, name: string): void;
  /** A destructive command waiting for its repetition, with what it acts on (a conversation, a device key). */
  pending?: { readonly kind: Confirmable; readonly target: string };
  /** On the primary: the link `/link` began, until `/confirm` or `/cancel`. */
  link?: ChatPendingLink;
}

export function say(ctx: CommandContext, text: string, level: "info" | "error" = "info"): void {
  ctx.update((m) => notice(m, text, undefined, level));
}

/** The commands that ask first. */
export type Confirmable = "delete" | "leave" | "account" | "revoke";

/** A question that waits for the command to be typed again; it goes away once answered. */
export function ask(ctx: CommandContext, kind: Confirmable, target: string, text: string): void {
  ctx.pending = { kind, target };
  ctx.update((m) => setNotice(m, "confirm", text));
}
