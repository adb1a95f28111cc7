import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  Client,
  type ClientEvent,
  type ClientOptions,
  type Clock,
  type Delivery,
  type DeliveryState,
  fromUtf8,
  type PublishResult,
  utf8,
} from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { SqliteStore } from "@parley/sqlite";
import { describeContent } from "./chat/events.js";
import type { ConversationSeed } from "./chat/model.js";
import type { ChatHistoryItem, SentMessage } from "./chat/session.js";
import { commandLine, dataDirError, profileOpenError } from "./errors.js";
import { profilePath } from "./paths.js";

/** `ConversationInfo.type` of a GroupV1 (MLS) group. */
const GROUP_TYPE = "GroupV1";
/** `ConversationInfo.type` of a conversation between two accounts (docs/ACCOUNTS.md §3). */
export const ACCOUNT_TYPE = "AccountDirectV1";
/** Groups of people with their devices (made by the library; `parley chat` shows them as groups). */
export const ACCOUNT_GROUP_TYPE = "AccountGroupV1";

/** The CLI's own records in the profile's store (labels, last time online). Namespaced apart from the Client's. */
const CLI_NS = "cli.profile";
/** Re-fetch a little before the last time we were online: clocks differ and the last seconds may have been missed. */
const CATCH_UP_MARGIN_MS = 10 * 60_000;

/** A delivery for commands that need no network (`parley intro`): publishing fails, subscribing hears nothing. */
export const offlineDelivery: Delivery = {
  maxPayloadBytes: 150 * 1024,
  publish: async (): Promise<PublishResult> => ({ ok: false, error: "stopped", detail: "offline" }),
  subscribe: async () => () => undefined,
};

export interface ProfileOptions {
  readonly dataDir: string;
  readonly name: string;
  readonly delivery?: Delivery;
  readonly config?: ClientOptions["config"];
  readonly clock?: Clock;
  /** Default true. */
  readonly autoSweep?: boolean;
  /** How this process describes itself to another one refused on this profile. Default: its command line. */
  readonly holder?: string;
}

/** What `Profile.catchUp` found in the node's history. */
export interface CatchUp {
  readonly fetched: number;
  readonly readable: number;
}

/**
 * One local user: a SQLite store (DATA/NAME.db, encrypted at rest when PARLEY_STORE_KEY is set) and the
 * Client restored from it (created on first use). Everything the CLI asks of the Client goes through here.
 */
export class Profile {
  private constructor(
    readonly name: string,
    readonly path: string,
    readonly client: Client,
    readonly store: SqliteStore,
    private readonly delivery: Delivery,
    private readonly clock: Clock | undefined,
  ) {}

  /**
   * Fails with a one-line CliError when the profile cannot be opened: held by another process (one writer per
   * profile: it names that process), a wrong or missing PARLEY_STORE_KEY, an unusable --data directory.
   */
  static async open(options: ProfileOptions): Promise<Profile> {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw dataDirError(err, options.dataDir);
    });
    const path = profilePath(options.dataDir, options.name);
    const key = process.env.PARLEY_STORE_KEY;
    const store = await SqliteStore.open({
      path,
      ...(key ? { key } : {}),
      holder: options.holder ?? commandLine(),
    }).catch((err: unknown) => {
      throw profileOpenError(err, `profile "${options.name}" (${path})`);
    });
    const delivery = options.delivery ?? offlineDelivery;
    try {
      const client = await Client.openOrCreate({
        store,
        delivery,
        crypto: new NodeCryptoProvider(),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.config ? { config: options.config } : {}),
        autoSweep: options.autoSweep ?? true,
      });
      return new Profile(options.name, path, client, store, delivery, options.clock);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  private now(): number {
    return this.clock?.now() ?? Date.now();
  }

  bundle(): Promise<string> {
    return this.client.introBundle();
  }

  /** Conversations for the screen: 1:1 ones with my local label, groups with their name. */
  async conversations(): Promise<ConversationSeed[]> {
    const out: ConversationSeed[] = [];
    for (const c of await this.client.conversations()) {
      if (c.type === GROUP_TYPE || c.type === ACCOUNT_GROUP_TYPE)
        out.push({ id: c.id, peer: c.peer, kind: "group", label: c.name || "group" });
      // A conversation between accounts is a group of both accounts' devices.
      else if (c.type === ACCOUNT_TYPE) out.push({ id: c.id, peer: c.peer, kind: "group", label: c.name || "account" });
      else {
        const label = await this.label(c.id);
        out.push({ id: c.id, peer: c.peer, kind: "private", ...(label ? { label } : {}) });
      }
    }
    return out;
  }

  // ---- groups (GroupV1) ----

  /** Creates a group with the peers of existing 1:1 conversations (installation keys, hex). */
  async createGroup(name: string, peers: readonly string[]): Promise<string> {
    return (await this.client.createGroup({ name, members: peers })).conversationId;
  }

  addMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    return this.client.addGroupMembers(conversationId, peers);
  }

  removeMembers(conversationId: string, peers: readonly string[]): Promise<void> {
    return this.client.removeGroupMembers(conversationId, peers);
  }

  leave(conversationId: string): Promise<void> {
    return this.client.leaveGroup(conversationId);
  }

  renameGroup(conversationId: string, name: string): Promise<void> {
    return this.client.setGroupMetadata(conversationId, { name });
  }

  async members(conversationId: string): Promise<{ peer: string; state: string; self: boolean }[]> {
    return (await this.client.groupMembers(conversationId)).map((m) => ({
      peer: m.peer,
      state: m.state,
      self: m.self,
    }));
  }

  async isGroup(conversationId: string): Promise<boolean> {
    return (await this.client.conversations()).some((c) => c.id === conversationId && c.type === GROUP_TYPE);
  }

  async history(conversationId: string, limit: number): Promise<ChatHistoryItem[]> {
    const page = await this.client.history(conversationId, { limit });
    return page.items.map((h) => ({
      id: h.messageId,
      kind: h.direction,
      text: contentText(h.content),
      timestamp: h.timestamp,
      ...(h.state ? { state: h.state } : {}),
      ...(h.sender ? { sender: h.sender } : {}),
    }));
  }

  async start(bundle: string, text: string): Promise<SentMessage> {
    const timestamp = this.now();
    const r = await this.client.startConversation(bundle.trim(), text);
    const state = await this.client.deliveryState(r.conversationId, r.messageId);
    return { conversationId: r.conversationId, messageId: r.messageId, timestamp, ...(state ? { state } : {}) };
  }

  async send(conversationId: string, text: string): Promise<SentMessage> {
    const timestamp = this.now();
    const r = await this.client.send(conversationId, text);
    const state = await this.client.deliveryState(conversationId, r.messageId);
    return { conversationId, messageId: r.messageId, timestamp, ...(state ? { state } : {}) };
  }

  async deliveryState(conversationId: string, messageId: string): Promise<DeliveryState | undefined> {
    return this.client.deliveryState(conversationId, messageId);
  }

  async label(conversationId: string): Promise<string | undefined> {
    const v = await this.store.get(CLI_NS, `label/${conversationId}`);
    return v ? fromUtf8(v) : undefined;
  }

  async rename(conversationId: string, label: string): Promise<void> {
    await this.store.commit([{ op: "put", ns: CLI_NS, key: `label/${conversationId}`, value: utf8(label) }]);
  }

  /** Writes the current bundle to DATA/NAME.bundle (no secret in it) and returns the path. */
  async saveBundle(dataDir: string): Promise<string> {
    const file = join(dataDir, `${this.name}.bundle`);
    await writeFile(file, `${await this.bundle()}\n`);
    return file;
  }

  /** Records that everything up to now was heard live (the next catch-up starts from here). */
  async markOnline(): Promise<void> {
    await this.store.commit([{ op: "put", ns: CLI_NS, key: "online-until", value: utf8(String(this.now())) }]);
  }

  /**
   * Fetches from the delivery's history service (the node's Waku Store) what was published on my inbox
   * and conversation topics since I was last online, and hands each message to the Client, which drops
   * what it already processed (replays) and what is not for me.
   */
  async catchUp(): Promise<CatchUp> {
    const history = this.delivery.history?.bind(this.delivery);
    if (!history) return { fetched: 0, readable: 0 };
    const last = await this.store.get(CLI_NS, "online-until");
    const since = last ? Number(fromUtf8(last)) - CATCH_UP_MARGIN_MS : undefined;
    const done = new Set<string>();
    let fetched = 0;
    let readable = 0;
    // An invite found in the inbox starts a conversation whose own topic may hold later messages: loop
    // until no new topic appears.
    for (;;) {
      const all = [this.client.inboxTopic, ...(await this.client.conversations()).map((c) => c.contentTopic)];
      const topics = [...new Set(all)].filter((t) => !done.has(t));
      if (topics.length === 0) return { fetched, readable };
      for (const t of topics) done.add(t);
      for await (const m of history({ contentTopics: topics, ...(since !== undefined ? { startTime: since } : {}) })) {
        fetched++;
        const r = await this.client.ingest(m.contentTopic, m.payload);
        if (r.kind === "readable") readable++;
      }
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.store.close();
  }
}

type Content = Extract<ClientEvent, { type: "message" }>["content"];

/** A history item's content as one line of text (the same words the chat screen uses). */
export function contentText(content: Content): string {
  return describeContent(content).text;
}
