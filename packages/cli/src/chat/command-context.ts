/**
 * What a typed command runs against (the session and the screen's state), and the two ways it answers: a
 * notice, or a question that waits for the command to be typed again.
 */
import { type ChatModel, notice, setNotice } from "./model.js";
import type { ChatSession } from "./session.js";
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
  /** A destructive command waiting for its repetition. */
  pending?: { readonly kind: "delete" | "leave"; readonly conversationId: string };
}

export function say(ctx: CommandContext, text: string, level: "info" | "error" = "info"): void {
  ctx.update((m) => notice(m, text, undefined, level));
}

/** A question that waits for the command to be typed again; it goes away once answered. */
export function ask(ctx: CommandContext, kind: "delete" | "leave", conversationId: string, text: string): void {
  ctx.pending = { kind, conversationId };
  ctx.update((m) => setNotice(m, "confirm", text));
}
