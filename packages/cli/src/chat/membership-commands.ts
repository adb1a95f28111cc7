/**
 * The commands that change who is in a conversation: a new group, adding and removing members, leaving, and
 * deleting a conversation (the last two ask first and run when typed again).
 */

import { ask, type CommandContext, say } from "./command-context.js";
import type { ChatCommand } from "./input.js";
import {
  addConversation,
  byNumber,
  type ConversationView,
  clearNotice,
  currentConversation,
  notice,
  removeConversation,
} from "./model.js";
import { conversationLabel, nameOf } from "./names.js";

export async function membership(
  ctx: CommandContext,
  cmd: Extract<ChatCommand, { kind: "group" | "add" | "remove" }>,
): Promise<void> {
  const m = ctx.model();
  // Members are the people of my 1:1 conversations, by their numbers in the bar.
  const people = cmd.numbers.map((n) => byNumber(m, n));
  const bad = cmd.numbers.filter((_, i) => people[i]?.kind !== "private");
  if (bad.length > 0) return say(ctx, `not a 1:1 conversation: ${bad.join(", ")} (see /list)`, "error");
  const peers = people.map((c) => c!.peer);
  const names = peers.map((p) => nameOf(m, p)).join(", ");
  if (cmd.kind === "group") {
    ctx.setBusy("creating the group…");
    const id = await ctx.session.createGroup(cmd.name, peers);
    ctx.update((x) =>
      notice(
        addConversation(x, { id, peer: "", kind: "group", label: cmd.name }, true),
        `group "${cmd.name}" created; inviting ${names} (their key packages come over your 1:1 conversations)`,
        id,
      ),
    );
    return ctx.resetScroll();
  }
  const c = currentConversation(m);
  if (c?.kind !== "group") return say(ctx, `/${cmd.kind} works in a group: switch to one first`, "error");
  if (cmd.kind === "add") await ctx.session.addMembers(c.id, peers);
  else await ctx.session.removeMembers(c.id, peers);
  ctx.update((x) => notice(x, `${cmd.kind === "add" ? "adding" : "removing"} ${names}`, c.id));
}

export async function leave(ctx: CommandContext, c: ConversationView | undefined): Promise<void> {
  if (!c) return say(ctx, "no current conversation", "error");
  const label = conversationLabel(ctx.model(), c);
  if (ctx.pending?.kind !== "leave" || ctx.pending.target !== c.id) {
    return ask(
      ctx,
      "leave",
      c.id,
      c.kind === "group"
        ? `leave the group "${label}"? The others are told and you receive nothing more. Type /leave again to confirm.`
        : `end the conversation with ${label}? They are told, and it is deleted here with its history and keys. Type /leave again to confirm.`,
    );
  }
  ctx.pending = undefined;
  ctx.update((m) => clearNotice(m, "confirm"));
  // Say it first, while it can still be said.
  await ctx.session.sendContent(c.id, { kind: "leave" }).catch(() => undefined);
  if (c.kind === "group") {
    await ctx.session.leave(c.id);
    return;
  }
  await ctx.session.remove(c.id);
  ctx.update((x) => notice(removeConversation(x, c.id), `conversation with ${label} ended and deleted`));
  ctx.resetScroll();
}

export async function remove(ctx: CommandContext, c: ConversationView | undefined): Promise<void> {
  if (!c) return say(ctx, "no current conversation", "error");
  const label = conversationLabel(ctx.model(), c);
  if (ctx.pending?.kind !== "delete" || ctx.pending.target !== c.id) {
    return ask(
      ctx,
      "delete",
      c.id,
      `delete ${c.kind === "group" ? `the group "${label}" (you leave it)` : `the conversation with ${label}`}, its history and its keys? Nothing is sent${c.kind === "group" ? "" : " to them (/leave tells them)"}. Type /delete again to confirm.`,
    );
  }
  ctx.pending = undefined;
  ctx.update((m) => clearNotice(m, "confirm"));
  await ctx.session.remove(c.id);
  ctx.update((x) => notice(removeConversation(x, c.id), `${label} deleted`));
  ctx.resetScroll();
}
