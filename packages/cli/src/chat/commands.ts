/**
 * What each typed command does, against a ChatSession and the screen's state. Kept out of the ink
 * component so the app only routes keys and renders.
 */

import { accountCommand } from "./account-commands.js";
import { type CommandContext, say } from "./command-context.js";
import { plainError } from "./errors.js";
import { addFileChunk } from "./file-lines.js";
import { type ChatCommand, HELP, KEYS, parseInput } from "./input.js";
import { leave, membership, remove } from "./membership-commands.js";
import {
  addConversation,
  addMessage,
  byNumber,
  type ChatModel,
  type ConversationView,
  clearNotice,
  clearNotices,
  confirmMessage,
  currentConversation,
  type FileChunkInfo,
  notice,
  privateWith,
  rename,
  selectConversation,
  setArchived,
  setNotice,
} from "./model.js";
import { conversationLabel, nameOf } from "./names.js";
import { formatSize, time } from "./rows.js";
import type { ChatRequest } from "./session.js";
import type { Panel } from "./view.js";

export type { CommandContext };

/** Texts longer than this show "sending …" while they go. */
const LONG_TEXT = 4_096;

function listLines(m: ChatModel): string[] {
  if (m.conversations.length === 0) return ["no conversations yet: /new <bundle> <message> starts one"];
  return m.conversations.map((c, i) => {
    const flags = [c.archived ? "archived" : "", c.ended ? "they left" : "", c.id === m.current ? "current" : ""]
      .filter(Boolean)
      .join(", ");
    const who = c.kind === "group" ? `group "${conversationLabel(m, c)}"` : conversationLabel(m, c);
    return `${i + 1}. ${who}  ${c.kind === "group" ? "" : `key ${c.peer.slice(0, 16)}…  `}${c.unread} unread${flags ? `  (${flags})` : ""}`;
  });
}

/** Runs one line of input. Errors become plain notices. */
export async function runLine(ctx: CommandContext, raw: string): Promise<void> {
  const cmd = parseInput(raw);
  if (cmd.kind !== "none" && cmd.kind !== ctx.pending?.kind && ctx.pending) {
    ctx.pending = undefined;
    ctx.update((m) => clearNotice(m, "confirm"));
  }
  try {
    await run(ctx, cmd);
  } catch (err) {
    const p = plainError(`${(err as { code?: string }).code ?? ""}: ${(err as Error).message}`.replace(/^: /, ""));
    ctx.update((m) => (p.key ? setNotice(m, p.key, p.text, "error") : notice(m, p.text, undefined, "error")));
  } finally {
    ctx.setBusy(undefined);
  }
}

async function run(ctx: CommandContext, cmd: ChatCommand): Promise<void> {
  const m = ctx.model();
  const current = currentConversation(m);
  switch (cmd.kind) {
    case "none":
      return;
    case "invalid":
      return say(ctx, cmd.message, "error");
    case "help":
      return ctx.showPanel({
        title: "help",
        lines: [...HELP.map(([term, text]) => ({ term, text })), "", ...KEYS.map(([term, text]) => ({ term, text }))],
      });
    case "quit":
      return ctx.exit();
    case "clear":
      return ctx.update(clearNotices);
    case "me": {
      const bundle = await ctx.session.bundle();
      return ctx.showPanel(bundlePanel(bundle));
    }
    case "copy": {
      const b = await ctx.session.bundle();
      ctx.writeRaw?.(`\u001b]52;c;${Buffer.from(b).toString("base64")}\u0007`);
      const file = await ctx.session.saveBundle();
      return say(ctx, `bundle copied to the clipboard (if the terminal allows OSC 52) and written to ${file}`);
    }
    case "list":
      return ctx.showPanel({ title: "conversations (/switch N)", lines: listLines(m) });
    case "switch": {
      const c = byNumber(m, cmd.n);
      if (!c) return say(ctx, `no conversation ${cmd.n}; /list shows them`, "error");
      ctx.update((x) => selectConversation(x, c.id));
      ctx.showPanel(undefined);
      return ctx.resetScroll();
    }
    case "name": {
      if (!current) return say(ctx, "no current conversation to name", "error");
      if (current.kind === "group") {
        await ctx.session.renameGroup(current.id, cmd.label);
        ctx.renamedGroup(current.id, cmd.label);
        return ctx.update((x) =>
          notice(rename(x, current.id, cmd.label), `you renamed the group "${cmd.label}"`, current.id),
        );
      }
      await ctx.session.rename(current.id, cmd.label);
      return ctx.update((x) => rename(x, current.id, cmd.label));
    }
    case "nick":
      await ctx.session.setDisplayName(cmd.name);
      return say(ctx, `your display name is now "${cmd.name}"; your conversations are told`);
    case "search":
      return search(ctx, cmd.text);
    case "send-file":
      return sendFile(ctx, current, cmd.path);
    case "group":
    case "add":
    case "remove":
      return membership(ctx, cmd);
    case "members": {
      if (current?.kind !== "group") return say(ctx, "/members works in a group: switch to one first", "error");
      const members = await ctx.session.members(current.id);
      return ctx.showPanel({
        title: `group "${conversationLabel(m, current)}": ${members.length} member(s)`,
        lines: members.map((x) => `${x.self ? "me" : nameOf(m, x.peer)}  key ${x.peer.slice(0, 16)}…  ${x.state}`),
      });
    }
    case "leave":
      return leave(ctx, current);
    case "delete":
      return remove(ctx, current);
    case "archive":
    case "unarchive": {
      const c = cmd.n === undefined ? current : byNumber(ctx.model(), cmd.n);
      if (!c) return say(ctx, cmd.n === undefined ? "no current conversation" : `no conversation ${cmd.n}`, "error");
      const archived = cmd.kind === "archive";
      await ctx.session.archive(c.id, archived);
      ctx.update((x) => setArchived(x, c.id, archived));
      return say(
        ctx,
        archived
          ? `${conversationLabel(m, c)} archived: hidden from the bar until a new message comes (/list shows it)`
          : `${conversationLabel(m, c)} is back in the bar`,
      );
    }
    case "requests": {
      const requests = await ctx.session.messageRequests();
      return ctx.showPanel({ title: "message requests (/accept N, /refuse N)", lines: requestLines(m, requests) });
    }
    case "accept":
    case "refuse":
      return answer(ctx, cmd);
    case "new":
      return start(ctx, cmd);
    case "send":
      return send(ctx, current, cmd.text);
    case "account":
    case "address":
    case "new-account":
    case "linkcode":
    case "link":
    case "confirm":
    case "cancel":
    case "devices":
    case "revoke":
      return accountCommand(ctx, cmd);
  }
}

/** The /requests panel: number, who, when, and the first message. */
export function requestLines(m: ChatModel, requests: readonly ChatRequest[]): string[] {
  if (requests.length === 0) return ["no message requests"];
  return requests.map(
    (r, i) =>
      `${i + 1}. ${nameOf(m, r.peer)}  key ${r.peer.slice(0, 16)}…  ${time(r.receivedAt)}  ${r.text ? `"${r.text}"` : "(no message yet)"}`,
  );
}

/** /accept N and /refuse N, numbered as /requests lists them now. */
async function answer(ctx: CommandContext, cmd: Extract<ChatCommand, { kind: "accept" | "refuse" }>): Promise<void> {
  const r = (await ctx.session.messageRequests())[cmd.n - 1];
  if (!r) return say(ctx, `no message request ${cmd.n}; /requests shows them`, "error");
  const who = nameOf(ctx.model(), r.peer);
  ctx.showPanel(undefined);
  ctx.update((m) => clearNotice(m, `request:${r.id}`));
  if (cmd.kind === "refuse") {
    await ctx.session.refuseRequest(r.id);
    return say(ctx, `refused the message request from ${who}: deleted, and nothing was sent to them`);
  }
  const id = await ctx.session.acceptRequest(r.id);
  ctx.update((x) => addConversation(x, { id, peer: r.peer }, true));
  return ctx.resetScroll();
}

export function bundlePanel(bundle: string): Panel {
  return {
    title: "my intro bundle",
    lines: [
      { raw: bundle },
      "",
      "Give it to whoever should reach you. Copy it with the mouse: the line breaks do not matter, /new accepts them. /copy puts it on the clipboard and in a file. Ctrl-B or Esc closes.",
    ],
  };
}

async function start(ctx: CommandContext, cmd: Extract<ChatCommand, { kind: "new" }>): Promise<void> {
  const chosen = cmd.candidates.find((c) => ctx.session.bundleOwner(c.bundle) !== undefined);
  if (!chosen) {
    // Let the library say what is wrong with the longest reading.
    await ctx.session.start(cmd.candidates[0]!.bundle, cmd.candidates[0]!.text || "-");
    return;
  }
  if (!chosen.text) return say(ctx, "usage: /new <bundle> <first message> (the first message is required)", "error");
  const owner = ctx.session.bundleOwner(chosen.bundle)!;
  const existing = privateWith(ctx.model(), owner);
  if (existing && !cmd.force) {
    const n = ctx.model().conversations.indexOf(existing) + 1;
    ctx.update((x) =>
      notice(
        selectConversation(x, existing.id),
        `you already talk with ${nameOf(x, owner)} (conversation ${n}): switched to it, and your message is back in the input (Enter sends it here). /new -f <bundle> <message> starts a second conversation.`,
      ),
    );
    ctx.resetScroll();
    return ctx.setInput(chosen.text);
  }
  ctx.setBusy("starting…");
  const sent = await ctx.session.start(chosen.bundle, chosen.text);
  ctx.update((x) =>
    addMessage(
      selectConversation(addConversation(x, { id: sent.conversationId, peer: owner }), sent.conversationId),
      sent.conversationId,
      {
        id: sent.messageId,
        kind: "out",
        text: chosen.text,
        timestamp: sent.timestamp,
        ...(sent.state ? { state: sent.state } : {}),
      },
    ),
  );
  ctx.resetScroll();
}

let localSeq = 0;

async function send(ctx: CommandContext, c: ConversationView | undefined, text: string): Promise<void> {
  if (!c) return say(ctx, "no conversation yet: /new <bundle> <message> starts one", "error");
  if (c.ended) return say(ctx, "they left this conversation: nothing sent (/delete removes it)", "error");
  // Shown at once: sending waits for the network, which may take a while or be down.
  const local = `local:${++localSeq}`;
  ctx.update((x) => addMessage(x, c.id, { id: local, kind: "out", text, timestamp: Date.now(), state: "queued" }));
  ctx.resetScroll();
  if (text.length > LONG_TEXT) ctx.setBusy(`sending ${formatSize(new TextEncoder().encode(text).length)}…`);
  try {
    const sent = await ctx.session.send(c.id, text);
    ctx.update((x) => confirmMessage(x, c.id, local, sent));
  } catch (err) {
    ctx.update((x) => confirmMessage(x, c.id, local, undefined));
    throw err;
  }
}

async function sendFile(ctx: CommandContext, c: ConversationView | undefined, path: string): Promise<void> {
  if (!c) return say(ctx, "no conversation yet: /new <bundle> <message> starts one", "error");
  if (c.ended) return say(ctx, "they left this conversation: nothing sent", "error");
  ctx.setBusy(`reading ${path}…`);
  const f = await ctx.session.readFile(path);
  const chunks = ctx.session.fileChunks(f.bytes, f.name, f.mediaType);
  ctx.resetScroll();
  for (const [i, chunk] of chunks.entries()) {
    ctx.setBusy(`sending ${f.name} ${i}/${chunks.length} (${formatSize(f.bytes.length)})`);
    const sent = await ctx.session.sendContent(c.id, chunk);
    const info: FileChunkInfo = {
      transfer: Buffer.from((chunk as { transferId: Uint8Array }).transferId).toString("hex"),
      name: f.name,
      mediaType: f.mediaType,
      size: f.bytes.length,
      chunkCount: chunks.length,
      chunkIndex: i,
    };
    ctx.update((x) =>
      addFileChunk(x, c.id, {
        messageId: sent.messageId,
        kind: "out",
        timestamp: sent.timestamp,
        ...(sent.state ? { state: sent.state } : {}),
        file: info,
      }),
    );
  }
}

async function search(ctx: CommandContext, text: string): Promise<void> {
  ctx.setBusy("searching…");
  const hits = await ctx.session.search(text);
  const m = ctx.model();
  const lines = hits.map((h) => {
    const n = m.conversations.findIndex((c) => c.id === h.conversationId);
    const c = m.conversations[n];
    const where = c ? `${n + 1} ${conversationLabel(m, c)}` : "?";
    const who = h.direction === "out" ? "me" : h.sender ? nameOf(m, h.sender) : "?";
    const day = new Date(h.timestamp).toLocaleDateString("en-GB");
    return `[${where}] ${day} ${time(h.timestamp)} ${who}: ${h.text.replace(/\s+/g, " ").slice(0, 300)}`;
  });
  ctx.showPanel({
    title: `search "${text}": ${hits.length === 0 ? "nothing found" : `${hits.length} message(s), newest first (/switch N)`}`,
    lines: lines.length > 0 ? lines : [`no message contains "${text}"`],
  });
}
