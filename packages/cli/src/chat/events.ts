/**
 * What the chat screen reacts to: the Client's events with content turned into what the screen shows
 * (text, a file chunk, a display name, a leave notice), plus the chat program's own status events.
 */
import { type ClientEvent, type Content, toHex } from "@parley/core";
import { addFileChunk, fileProgress } from "./file-lines.js";
import {
  addConversation,
  addMessage,
  type ChatModel,
  clearNotice,
  type DeliveryState,
  type FileChunkInfo,
  mapConversation,
  markEnded,
  type Notice,
  notice,
  setNotice,
  setPeerName,
  setState,
} from "./model.js";
import { nameOf } from "./names.js";

export type ChatEvent =
  | {
      readonly type: "conversation-started";
      readonly conversationId: string;
      readonly peer: string;
      readonly initiatedBy: "me" | "peer";
      readonly kind?: "private" | "group";
      /** A group's name. */
      readonly label?: string;
    }
  | {
      readonly type: "message";
      readonly conversationId: string;
      readonly messageId: string;
      /** What to show: the text, or a short description of other content. */
      readonly text: string;
      readonly timestamp: number;
      readonly sender?: string;
      /** Set when the content is a chunk of a file. */
      readonly file?: FileChunkInfo;
      /** Set when the content is the sender's display name (not shown as a message). */
      readonly profile?: string;
      /** Set when the sender left the conversation. */
      readonly leave?: boolean;
    }
  | {
      readonly type: "delivery-state";
      readonly conversationId: string;
      readonly messageId: string;
      readonly state: DeliveryState;
    }
  | { readonly type: "message-missing"; readonly conversationId: string; readonly missing: readonly string[] }
  /** An invite from a new contact waits for the user's answer (/requests, /accept N, /refuse N). */
  | { readonly type: "message-request"; readonly requestId: string; readonly peer: string }
  | { readonly type: "error"; readonly message: string; readonly conversationId?: string; readonly key?: string }
  /** Groups: the roster or the name changed; another member removed me; I left. */
  | { readonly type: "members-changed"; readonly conversationId: string; readonly label?: string }
  | { readonly type: "removed" | "left"; readonly conversationId: string }
  /** Read up to a message, here or on another device of the account: nothing before it is unread. */
  | {
      readonly type: "read-marker";
      readonly conversationId: string;
      readonly messageId: string;
      readonly timestamp: number;
    }
  /** From the chat program itself (connection, catch-up): keyed notices replace each other. */
  | {
      readonly type: "notice";
      readonly text: string;
      readonly conversationId?: string;
      readonly key?: string;
      readonly level?: Notice["level"];
    }
  | { readonly type: "clear-notice"; readonly key: string }
  | { readonly type: "peer-name"; readonly peer: string; readonly name: string }
  | {
      readonly type: "file-progress";
      readonly conversationId: string;
      readonly transfer: string;
      readonly received?: number;
      readonly savedAs?: string;
      readonly problem?: string;
    };

/** The screen's view of a content. */
export function describeContent(content: Content): {
  text: string;
  file?: FileChunkInfo;
  profile?: string;
  leave?: boolean;
} {
  switch (content.kind) {
    case "text":
      return { text: typeof content.text === "string" ? content.text : "" };
    case "file": {
      const f = content as Extract<Content, { kind: "file" }>;
      const file: FileChunkInfo = {
        transfer: toHex(f.transferId),
        name: f.name,
        mediaType: f.mediaType,
        size: f.size,
        chunkCount: f.chunkCount,
        chunkIndex: f.chunkIndex,
      };
      return { text: `[file ${f.name}]`, file };
    }
    case "profile": {
      const name = (content as Extract<Content, { kind: "profile" }>).displayName;
      return { text: `[display name: ${name}]`, profile: name };
    }
    case "leave":
      return { text: "[left the conversation]", leave: true };
    case "unsupported":
      return { text: "[content this version cannot show]" };
    default:
      return { text: `[${content.kind}]` };
  }
}

/** A Client event as the screen sees it (groups get their kind and name from the caller). */
export function fromClientEvent(e: ClientEvent): ChatEvent {
  switch (e.type) {
    case "message":
      return {
        type: "message",
        conversationId: e.conversationId,
        messageId: e.messageId,
        timestamp: e.timestamp,
        sender: e.sender,
        ...describeContent(e.content),
      };
    case "error":
      return {
        type: "error",
        message: `${e.error.code}: ${e.error.message}`,
        ...(e.conversationId ? { conversationId: e.conversationId } : {}),
      };
    case "message-lost":
      return {
        type: "notice",
        text: `${e.lost.length === 1 ? "a message" : `${e.lost.length} messages`} from this contact did not arrive and will not`,
        conversationId: e.conversationId,
        level: "error",
      };
    case "frame-dropped":
      return {
        type: "notice",
        text:
          e.reason === "frame-unsupported"
            ? "a message this version cannot show arrived (the sender may use a newer version)"
            : `a message arrived damaged and was dropped (${e.reason})`,
        conversationId: e.conversationId,
        level: "error",
      };
    case "invite-dropped":
      return { type: "notice", ...droppedNotice(e) };
    case "orphans-evicted":
      return { type: "notice", text: orphansEvictedText(e.count, e.reason), conversationId: e.conversationId };
    case "link-words":
      return { type: "notice", text: `link words: ${e.words.join(" ")}`, conversationId: e.conversationId };
    case "account-linked":
      // A line of the link conversation: the notice area has account-session.ts's own (with the device count).
      return {
        type: "notice",
        text: `this device is now linked to account ${e.accountKey.slice(0, 16)}…`,
        conversationId: e.conversationId,
      };
    default:
      return e;
  }
}

/**
 * What a dropped invite means to the user. Keyed: a flood replaces one notice instead of filling the screen;
 * senders of dropped invites retry by themselves.
 */
function droppedNotice(
  e: Extract<ClientEvent, { type: "invite-dropped" }>,
): Omit<Extract<ChatEvent, { type: "notice" }>, "type"> {
  const who = `key ${e.peer.slice(0, 16)}…`;
  if (e.reason === "expired") return { text: `a message request from ${who} expired unanswered and was deleted` };
  if (e.source === "group-control")
    return { key: "group-invites", text: `group invitations from ${who} come too fast: some were dropped` };
  return e.reason === "cap"
    ? {
        key: "invites",
        level: "error",
        text: "too many message requests are waiting: new invites are dropped until you /accept or /refuse some (/requests)",
      }
    : {
        key: "invites",
        level: "error",
        text: "invites from new contacts arrive faster than allowed: some were dropped for now (their senders retry)",
      };
}

/** Held group messages dropped unread (ClientEvent `orphans-evicted`). */
export function orphansEvictedText(count: number, reason: string): string {
  return `${count === 1 ? "a message" : `${count} messages`} for an epoch not yet known dropped unread (${reason})`;
}

/** Applies one event to the model. */
export function applyEvent(m: ChatModel, e: ChatEvent): ChatModel {
  switch (e.type) {
    case "conversation-started": {
      const next = addConversation(
        m,
        {
          id: e.conversationId,
          peer: e.peer,
          ...(e.kind ? { kind: e.kind } : {}),
          ...(e.label ? { label: e.label } : {}),
        },
        e.initiatedBy === "me",
      );
      if (e.initiatedBy !== "peer") return next;
      return e.kind === "group"
        ? notice(next, `${nameOf(next, e.peer)} added you to the group "${e.label ?? "group"}"`, e.conversationId)
        : notice(next, `new conversation from ${nameOf(next, e.peer)} (key ${e.peer.slice(0, 16)}…)`, e.conversationId);
    }
    case "message": {
      if (e.profile !== undefined) return e.sender ? setPeerName(m, e.sender, e.profile) : m;
      if (e.leave) {
        const conv = m.conversations.find((c) => c.id === e.conversationId);
        if (!conv) return m;
        const who = e.sender ? nameOf(m, e.sender) : "the peer";
        return conv.kind === "group"
          ? notice(m, `${who} left the group`, e.conversationId)
          : notice(
              markEnded(m, e.conversationId),
              `${who} left this conversation: what you send here will not be read (/delete removes it)`,
              e.conversationId,
            );
      }
      const base = { timestamp: e.timestamp, ...(e.sender ? { sender: e.sender } : {}) };
      if (e.file)
        return addFileChunk(m, e.conversationId, { ...base, messageId: e.messageId, kind: "in", file: e.file });
      return addMessage(m, e.conversationId, { ...base, id: e.messageId, kind: "in", text: e.text });
    }
    case "delivery-state": {
      const next = setState(m, e.conversationId, e.messageId, e.state);
      // The network took something again: a "could not publish" notice is no longer true.
      return e.state === "queued" ? next : clearNotice(next, "publish");
    }
    case "message-missing":
      return m;
    case "message-request":
      // Keyed by the request: answering it (/accept, /refuse) takes the notice away.
      return setNotice(
        m,
        `request:${e.requestId}`,
        `message request from ${nameOf(m, e.peer)} (key ${e.peer.slice(0, 16)}…): /requests shows it, /accept N or /refuse N answers`,
      );
    case "error":
      return e.key ? setNotice(m, e.key, e.message, "error") : notice(m, `error: ${e.message}`, undefined, "error");
    case "read-marker":
      return mapConversation(m, e.conversationId, (c) => ({ ...c, unread: 0 }));
    case "members-changed":
      return e.label ? renameGroup(m, e.conversationId, e.label) : m;
    case "removed":
      return notice(m, "you were removed from this group", e.conversationId);
    case "left":
      return notice(m, "you left this group", e.conversationId);
    case "notice":
      if (e.key) return setNotice(m, e.key, e.text, e.level);
      return notice(m, e.text, e.conversationId, e.level);
    case "clear-notice":
      return clearNotice(m, e.key);
    case "peer-name":
      return setPeerName(m, e.peer, e.name);
    case "file-progress": {
      const { conversationId, transfer, type: _, ...p } = e;
      return fileProgress(m, conversationId, transfer, p);
    }
  }
}

function renameGroup(m: ChatModel, id: string, label: string): ChatModel {
  const c = m.conversations.find((x) => x.id === id);
  if (c?.kind !== "group" || c.label === label) return m;
  return {
    ...m,
    conversations: m.conversations.map((x) => (x.id === id ? { ...x, label } : x)),
  };
}
