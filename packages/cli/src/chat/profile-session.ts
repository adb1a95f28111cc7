/**
 * The ChatSession of a real profile: its Client over WakuDelivery, its SQLite store, the downloads folder
 * and the names peers assert. Every Client event goes through here once, in order, on its way to the screen.
 */
import { join } from "node:path";
import {
  type ClientEvent,
  type Content,
  type FileContent,
  fileChunks,
  fromUtf8,
  PeerNames,
  parseIntroBundle,
  profile as profileContent,
  searchHistory,
  toHex,
  utf8,
} from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import type { WakuDelivery } from "@parley/waku";
import { ACCOUNT_GROUP_TYPE, ACCOUNT_TYPE, type Profile } from "../profile.js";
import { accountSession } from "./account-session.js";
import type { Channel } from "./channel.js";
import { plainError } from "./errors.js";
import { type ChatEvent, describeContent, fromClientEvent } from "./events.js";
import { Downloads, readForSending } from "./files.js";
import type { ConversationSeed } from "./model.js";
import type { ChatHistoryItem, ChatSession, SentMessage } from "./session.js";

const GROUP_TYPE = "GroupV1";
/** The chat's own records in the profile's store. */
const CHAT_NS = "cli.chat";

const groupLabel = (type: string) => (type === ACCOUNT_TYPE ? "account" : "group");

export interface ProfileSessionOptions {
  readonly profile: Profile;
  readonly delivery: WakuDelivery;
  readonly dataDir: string;
  /** Events from the chat program itself (connection, catch-up) join the Client's. */
  readonly channel: Channel<ChatEvent>;
  readonly stopped: () => boolean;
}

export interface ProfileSession extends ChatSession {
  /** Ends when the Client's events end. */
  readonly pump: Promise<void>;
}

export function profileSession(o: ProfileSessionOptions): ProfileSession {
  const { profile, delivery, channel } = o;
  const client = profile.client;
  const crypto = new NodeCryptoProvider();
  const names = new PeerNames(profile.store);
  const downloads = new Downloads(join(o.dataDir, "downloads", profile.name));
  const account = accountSession(client, (e) => channel.push(e));

  const displayName = async () => {
    const v = await profile.store.get(CHAT_NS, "display-name");
    return (v && fromUtf8(v)) || profile.name;
  };
  const sent = async (conversationId: string, messageId: string, timestamp: number): Promise<SentMessage> => {
    const state = await client.deliveryState(conversationId, messageId);
    return { conversationId, messageId, timestamp, ...(state ? { state } : {}) };
  };
  const sendContent = async (conversationId: string, content: Content | string) => {
    const timestamp = Date.now();
    const r = await client.send(conversationId, content);
    return sent(conversationId, r.messageId, timestamp);
  };
  /** My display name to a conversation, so the other side does not see a bare key. */
  const introduce = (conversationId: string) =>
    displayName()
      .then((n) => client.send(conversationId, profileContent(n)))
      .catch(() => undefined);

  const toChat = async (e: ClientEvent): Promise<ChatEvent[]> => {
    const c = fromClientEvent(e);
    switch (c.type) {
      case "conversation-started":
      case "members-changed": {
        const info = (await client.conversations()).find((x) => x.id === c.conversationId);
        const group = info?.type === GROUP_TYPE || info?.type === ACCOUNT_TYPE || info?.type === ACCOUNT_GROUP_TYPE;
        if (c.type === "conversation-started" && c.initiatedBy === "peer") void introduce(c.conversationId);
        if (!group) return [c];
        return c.type === "conversation-started"
          ? [{ ...c, kind: "group", label: info.name || groupLabel(info.type) }]
          : [{ ...c, label: info.name || groupLabel(info.type) }];
      }
      case "message": {
        if (e.type !== "message") return [c];
        if (c.profile !== undefined) await names.observe(e);
        if (e.content.kind !== "file") return [c];
        const status = await downloads.receive(e.content as FileContent).catch((err: unknown) => ({
          received: 0,
          problem: `could not be written: ${(err as Error).message}`,
        }));
        return [c, { type: "file-progress", conversationId: c.conversationId, transfer: c.file!.transfer, ...status }];
      }
      case "error": {
        const p = plainError(c.message);
        return [{ ...c, message: p.text, ...(p.key ? { key: p.key } : {}) }];
      }
      default:
        return [c];
    }
  };

  const pump = (async () => {
    for await (const e of client.events()) {
      account.observe(e);
      for (const c of await toChat(e)) channel.push(c);
    }
  })();

  return {
    name: profile.name,
    pump,
    bundle: () => profile.bundle(),
    account,
    bundleOwner(bundle) {
      const r = parseIntroBundle(crypto, bundle);
      return r.ok ? toHex(r.bundle.installationKey) : undefined;
    },
    async conversations(): Promise<ConversationSeed[]> {
      const archived = new Set(await client.archivedConversations());
      const gone = new Set(
        (await client.conversations()).filter((c) => c.status === "left" || c.status === "removed").map((c) => c.id),
      );
      return (await profile.conversations()).map((c) => ({
        ...c,
        ...(archived.has(c.id) ? { archived: true } : {}),
        ...(gone.has(c.id) ? { inactive: true } : {}),
      }));
    },
    async history(conversationId, limit, before) {
      const page = await client.history(conversationId, { limit, ...(before ? { before } : {}) });
      const items: ChatHistoryItem[] = page.items.map((h) => ({
        id: h.messageId,
        kind: h.direction,
        timestamp: h.timestamp,
        ...(h.state ? { state: h.state } : {}),
        ...(h.sender ? { sender: h.sender } : {}),
        ...describeContent(h.content),
      }));
      return { items, ...(page.before ? { before: page.before } : {}) };
    },
    events: () => channel,
    async start(bundle, text) {
      const timestamp = Date.now();
      const r = await client.startConversation(bundle.trim(), text);
      void introduce(r.conversationId);
      return sent(r.conversationId, r.messageId, timestamp);
    },
    send: (id, text) => sendContent(id, text),
    sendContent: (id, content) => sendContent(id, content),
    rename: (id, label) => profile.rename(id, label),
    createGroup: (name, peers) => profile.createGroup(name, peers),
    addMembers: (id, peers) => profile.addMembers(id, peers),
    removeMembers: (id, peers) => profile.removeMembers(id, peers),
    leave: (id) => profile.leave(id),
    renameGroup: (id, name) => profile.renameGroup(id, name),
    members: (id) => profile.members(id),
    archive: (id, archived) => client.archiveConversation(id, archived),
    remove: (id) => client.deleteConversation(id),
    search: (text) => searchHistory(client, text),
    async messageRequests() {
      return (await client.messageRequests()).map((r) => ({
        id: r.id,
        peer: r.peer,
        receivedAt: r.receivedAt,
        text: r.messages.map((x) => describeContent(x.content).text).join(" "),
      }));
    },
    acceptRequest: async (id) => (await client.acceptRequest(id)).conversationId,
    refuseRequest: (id) => client.refuseRequest(id),
    async peerNames() {
      return new Map([...(await names.all())].map(([peer, n]) => [peer, n.name]));
    },
    displayName,
    async setDisplayName(name) {
      await profile.store.commit([{ op: "put", ns: CHAT_NS, key: "display-name", value: utf8(name) }]);
      for (const c of await client.conversations())
        if (c.type !== GROUP_TYPE || c.status === "active") void introduce(c.id);
    },
    readFile: (path) => readForSending(path),
    fileChunks: (bytes, name, mediaType) => fileChunks(crypto, bytes, { name, mediaType }),
    fileStatus: (transfer) => downloads.status(transfer),
    saveBundle: () => profile.saveBundle(o.dataDir),
    network: () => {
      if (o.stopped()) return { peers: 0, state: "offline" };
      const peers = delivery.libp2p.getPeers().length;
      return { peers, state: peers > 0 ? "online" : "connecting" };
    },
    close: async () => account.close(),
  };
}
