/**
 * One unlocked profile in the page: the encrypted IndexedDB store (held by this tab alone), the Client on it,
 * and WakuDelivery over WebSocket to the node. Also the page's own records in the profile (labels, read
 * markers, when it was last online) and catch-up from the node's Store history after every (re)connection.
 */
import {
  Client,
  type ClientEvent,
  type DeliveryState,
  fromUtf8,
  type GroupMemberInfo,
  type HistoryItem,
  utf8,
} from "@parley/core";
import { WebCryptoProvider } from "@parley/core/web";
import { IdbStore } from "@parley/idb-store";
import { WakuDelivery, webSocketTransports } from "@parley/waku/browser";
import type { WebConfig } from "./config.js";
import { contentText } from "./content.js";
import { untilInMesh } from "./mesh-wait.js";
import type { Conversation, Message } from "./state.js";

/** The page's records in the profile, apart from the Client's. */
const WEB_NS = "web.profile";
/** Re-fetch a little before the last time we were online: clocks differ and the last seconds may be missing. */
const CATCH_UP_MARGIN_MS = 10 * 60_000;
/** Every Parley content topic shares one shard (autosharding hashes only app and version). */
const PARLEY_TOPIC = "/logos-chat/1/0000/proto";
/** Messages per conversation read at start. */
const HISTORY_LIMIT = 200;
const GROUP_TYPE = "GroupV1";

export type NetworkState = "connecting" | "online" | "offline";

export interface SessionListener {
  event(e: ClientEvent): void;
  network(state: NetworkState, detail?: string): void;
}

export class WebSession {
  #network: NetworkState = "connecting";
  #catchUp: Promise<void> = Promise.resolve();
  #listeners = new Set<SessionListener>();
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unwatch: (() => void) | undefined;

  private constructor(
    readonly profile: string,
    readonly client: Client,
    private readonly store: IdbStore,
    private readonly delivery: WakuDelivery,
    private readonly node: string,
  ) {}

  /** Opens the profile (refused with IdbStoreError "locked" in a second tab) and starts the network. */
  static async open(profile: string, passphrase: string, config: WebConfig): Promise<WebSession> {
    const store = await IdbStore.open({ name: profile, passphrase });
    let delivery: WakuDelivery | undefined;
    try {
      delivery = new WakuDelivery({
        network: { clusterId: config.cluster, numShardsInCluster: 8 },
        transports: webSocketTransports(),
        bootstrap: [config.node],
        storePeers: [config.node],
        ...(config.heartbeatMs ? { heartbeatIntervalMs: config.heartbeatMs } : {}),
      });
      await delivery.start();
      const client = await Client.openOrCreate({ store, delivery, crypto: new WebCryptoProvider() });
      const session = new WebSession(profile, client, store, delivery, config.node);
      session.#watch();
      return session;
    } catch (err) {
      await delivery?.stop().catch(() => undefined);
      await store.close();
      throw err;
    }
  }

  get network(): NetworkState {
    return this.#network;
  }

  listen(listener: SessionListener): () => void {
    this.#listeners.add(listener);
    const off = this.client.onEvent((e) => listener.event(e));
    return () => {
      off();
      this.#listeners.delete(listener);
    };
  }

  /** Resolves once the first catch-up after connecting is done (or failed). */
  whenCaughtUp(): Promise<void> {
    return this.#catchUp;
  }

  #setNetwork(state: NetworkState, detail?: string): void {
    if (state === "online" && performance.getEntriesByName("parley-online").length === 0)
      performance.mark("parley-online");
    this.#network = state;
    for (const l of this.#listeners) l.network(state, detail);
  }

  /** Online once the node is connected and in our relay mesh; every (re)connection runs a catch-up. */
  #watch(): void {
    const node = this.delivery.libp2p;
    const check = () => void this.#connect();
    node.addEventListener("peer:connect", check);
    node.addEventListener("peer:disconnect", () => {
      if (!this.#closed && node.getPeers().length === 0) this.#setNetwork("offline");
    });
    this.#timer = setInterval(() => {
      if (this.#network === "online") void this.#markOnline();
    }, 30_000);
    // The browser knows at once when it loses the network; libp2p learns that a WebSocket is dead only when a
    // ping over it fails (about 10 s here). So the page drops its connections when the browser goes offline
    // and dials the node as soon as it is back, instead of waiting for the redial backoff.
    const offline = () => {
      if (this.#closed) return;
      this.#setNetwork("offline");
      for (const c of node.getConnections()) c.abort(new Error("the browser went offline"));
    };
    const online = () => {
      if (this.#closed) return;
      this.delivery.dial(this.node).catch(() => undefined); // the static peer's redial stays as the fallback
    };
    globalThis.addEventListener?.("offline", offline);
    globalThis.addEventListener?.("online", online);
    this.#unwatch = () => {
      globalThis.removeEventListener?.("offline", offline);
      globalThis.removeEventListener?.("online", online);
    };
    check();
  }

  async #connect(): Promise<void> {
    const node = this.delivery.libp2p;
    const inMesh = await untilInMesh({
      stopped: () => this.#closed || this.#network === "online",
      connected: () => node.getPeers().length > 0,
      inMesh: (ms) => this.delivery.waitForPeers(PARLEY_TOPIC, 1, ms),
      reconnect: () => {
        for (const c of node.getConnections()) c.abort(new Error("no relay mesh on this connection"));
        this.delivery.dial(this.node).catch(() => undefined); // the static peer's redial stays as the fallback
      },
    });
    if (!inMesh) return;
    // Another connection event may have got here first during the wait.
    if (this.#closed || (this.#network as NetworkState) === "online") return;
    this.#setNetwork("online");
    this.#catchUp = this.#catchUp.then(() =>
      this.#runCatchUp().catch((err: unknown) => {
        // Said only while still online: a catch-up cut off by going offline must not say online again (it
        // did, and the next connection then skipped its catch-up, the state claiming online already).
        if (this.#network === "online") this.#setNetwork("online", `catch-up failed: ${(err as Error).message}`);
      }),
    );
  }

  /**
   * Fetches what was published on my inbox and conversation topics since I was last online and hands each
   * message to the Client, which drops what it already processed. An invite found may open a topic with
   * more: loop until no new topic appears.
   */
  async #runCatchUp(): Promise<void> {
    const last = await this.store.get(WEB_NS, "online-until");
    const startedAt = Date.now();
    const since = last ? Number(fromUtf8(last)) - CATCH_UP_MARGIN_MS : undefined;
    const done = new Set<string>();
    for (;;) {
      const all = [this.client.inboxTopic, ...(await this.client.conversations()).map((c) => c.contentTopic)];
      const topics = [...new Set(all)].filter((t) => !done.has(t));
      if (topics.length === 0) break;
      for (const t of topics) done.add(t);
      const query = { contentTopics: topics, ...(since !== undefined ? { startTime: since } : {}) };
      for await (const m of this.delivery.history(query)) await this.client.ingest(m.contentTopic, m.payload);
    }
    await this.#markOnline(startedAt);
  }

  async #markOnline(at = Date.now()): Promise<void> {
    if (this.#closed) return;
    await this.store.commit([{ op: "put", ns: WEB_NS, key: "online-until", value: utf8(String(at)) }]);
  }

  bundle(): Promise<string> {
    return this.client.introBundle();
  }

  /** Every conversation with its newest messages and its unread count (inbound after the read marker). */
  async conversations(): Promise<Conversation[]> {
    const out: Conversation[] = [];
    for (const c of await this.client.conversations()) {
      const page = await this.client.history(c.id, { limit: HISTORY_LIMIT });
      const readUntil = Number(fromUtf8((await this.store.get(WEB_NS, `read/${c.id}`)) ?? utf8("0")));
      const unread = page.items.filter((h) => h.direction === "in" && h.storedAt > readUntil).length;
      const group = c.type === GROUP_TYPE;
      const label = group ? c.name || "group" : ((await this.label(c.id)) ?? c.peer.slice(0, 8));
      out.push({
        id: c.id,
        kind: group ? "group" : "private",
        peer: c.peer,
        label,
        messages: page.items.map(toMessage),
        unread,
        ...(c.status ? { status: c.status } : {}),
      });
    }
    return out;
  }

  /** Kind and label of one conversation (for a conversation that just started). */
  async describe(id: string): Promise<Omit<Conversation, "messages" | "unread"> | undefined> {
    const c = (await this.client.conversations()).find((x) => x.id === id);
    if (!c) return undefined;
    const group = c.type === GROUP_TYPE;
    const label = group ? c.name || "group" : ((await this.label(c.id)) ?? c.peer.slice(0, 8));
    return { id, kind: group ? "group" : "private", peer: c.peer, label, ...(c.status ? { status: c.status } : {}) };
  }

  async markRead(conversationId: string): Promise<void> {
    if (this.#closed) return;
    await this.store.commit([
      { op: "put", ns: WEB_NS, key: `read/${conversationId}`, value: utf8(String(Date.now())) },
    ]);
  }

  async label(conversationId: string): Promise<string | undefined> {
    const v = await this.store.get(WEB_NS, `label/${conversationId}`);
    return v ? fromUtf8(v) : undefined;
  }

  /** A 1:1 conversation's local name; a group's name is changed for every member. */
  async rename(conversation: Conversation, label: string): Promise<void> {
    if (conversation.kind === "group") await this.client.setGroupMetadata(conversation.id, { name: label });
    else await this.store.commit([{ op: "put", ns: WEB_NS, key: `label/${conversation.id}`, value: utf8(label) }]);
  }

  async start(bundle: string, text: string): Promise<{ conversationId: string; message: Message }> {
    const timestamp = Date.now();
    const r = await this.client.startConversation(bundle.trim(), text);
    const state = await this.client.deliveryState(r.conversationId, r.messageId);
    return { conversationId: r.conversationId, message: outgoing(r.messageId, text, timestamp, state) };
  }

  async send(conversationId: string, text: string): Promise<Message> {
    const timestamp = Date.now();
    const r = await this.client.send(conversationId, text);
    return outgoing(r.messageId, text, timestamp, await this.client.deliveryState(conversationId, r.messageId));
  }

  async createGroup(name: string, peers: readonly string[]): Promise<string> {
    return (await this.client.createGroup({ name, members: peers })).conversationId;
  }

  members(conversationId: string): Promise<GroupMemberInfo[]> {
    return this.client.groupMembers(conversationId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unwatch?.();
    await this.client.close();
    await this.delivery.stop().catch(() => undefined);
    await this.store.close();
  }
}

function toMessage(h: HistoryItem): Message {
  return {
    id: h.messageId,
    direction: h.direction,
    text: contentText(h.content),
    timestamp: h.timestamp,
    ...(h.sender ? { sender: h.sender } : {}),
    ...(h.state ? { state: h.state } : {}),
  };
}

function outgoing(id: string, text: string, timestamp: number, state: DeliveryState | undefined): Message {
  return { id, direction: "out", text, timestamp, ...(state ? { state } : {}) };
}
