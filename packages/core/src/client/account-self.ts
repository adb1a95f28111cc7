/**
 * What one account's devices share over the account's own group (docs/ACCOUNTS.md §3, AccountSelfV1): the
 * conversations each device is in, read markers, the account's display name, and, for a newly linked device,
 * a bounded slice of recent history. The Client reaches the group only through the registry (start kind
 * `self`); what arrives comes back as `account-sync` effects, applied here in the step that received them.
 *
 * Records in the account's namespace: `read/<cid>` (this device's marker), `read-out/<cid>` (a marker set here
 * and not yet shared), `known/<cid>` (a conversation a sibling is in), `display-name`, `self-digest` (what was
 * last shared, with the group's members: a new member gets everything again), `slice/<device>` (the history
 * slice was sent to it). A sweep shares what changed in one transaction with its record, so a crash before the
 * commit shares it again and one after it does not.
 */
import { fromUtf8, toHex, utf8 } from "../base/bytes.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { Effect, TypeLifecycle } from "../framework/lifecycle.js";
import type { Registry } from "../framework/registry.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { Transaction } from "../framework/store.js";
import {
  decodeSelfPayload,
  encodeSelfPayload,
  markerAfter,
  type ReadMarker,
  SELF_PART_ENTRIES,
  type SelfConversation,
  type SelfPayload,
  type SyncedMessage,
} from "../identity/account/self-payload.js";
import type { AccountState } from "./account-state.js";
import type { EffectApplier, StepPlan } from "./effects.js";
import { ClientError, lifecycleCall } from "./errors.js";
import {
  CONVERSATION_INFO_NS,
  decodeHistory,
  decodeInfo,
  decodeJson,
  encodeJson,
  HISTORY_NS,
  type HistoryRecord,
  MESSAGE_INDEX_NS,
} from "./records.js";
import type { Steps } from "./step.js";
import type { ConversationInfo } from "./types.js";

/** Bytes of history content per payload: far below a group message's bound; a larger message is left out. */
const SLICE_BYTES = 32 * 1024;
/** Conversations in a history slice: the most recently started ones (a slice stays one bounded step). */
const SLICE_CONVERSATIONS = 100;

export interface SelfHost {
  readonly ns: string;
  readonly crypto: CryptoProvider;
  readonly registry: Registry;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  now(): number;
  account(): AccountState | undefined;
  installation(): { readonly publicKey: Uint8Array };
  step<T>(fn: () => Promise<T>): Promise<T>;
  addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): string;
  /** Messages per conversation in a linked device's history slice. */
  readonly sliceMessages: number;
}

type Marker = Omit<ReadMarker, "conversationId">;

export class ClientSelf {
  /** Whether something shared may have changed since the last sweep (set at boot). */
  #dirty = true;

  constructor(private readonly host: SelfHost) {}

  /** Something this device shares may have changed (a conversation started, the group's roster changed). */
  touch(): void {
    this.#dirty = true;
  }

  /**
   * Marks `conversationId` read up to `messageId` (a message this device holds). Markers never move back: a
   * marker at or before the one held changes nothing. Shared with the account's other devices at the next sweep.
   */
  markRead(conversationId: string, messageId: string): Promise<void> {
    return this.host.step(async () => {
      const { store } = this.host.steps;
      const key = await store.get(MESSAGE_INDEX_NS, `${conversationId}/${messageId}`);
      const record = key && (await store.get(HISTORY_NS, fromUtf8(key) ?? ""));
      const r = record && decodeHistory(record);
      if (!r) throw new ClientError("unknown-message", "no such message in this conversation");
      await this.host.steps.unit(async (tx, plan) => {
        if (
          this.#setMarker(
            tx,
            plan,
            { conversationId, messageId, timestamp: r.timestamp },
            await this.#marker(tx, conversationId),
          )
        )
          tx.put(this.host.ns, `read-out/${conversationId}`, utf8("1"));
      });
      this.#dirty = true;
    });
  }

  /** The read marker of a conversation, set here or on a sibling device. */
  async readMarker(conversationId: string): Promise<Marker | undefined> {
    return this.#marker(this.host.steps.store, conversationId);
  }

  /** Sets the account's display name, shared with the other devices (the newest wins). */
  setDisplayName(name: string): Promise<void> {
    if (name.length === 0 || name.length > 256)
      return Promise.reject(new ClientError("bad-display-name", "a display name has 1 to 256 characters"));
    return this.host.step(async () => {
      await this.host.steps.store.commit([
        { op: "put", ns: this.host.ns, key: "display-name", value: encodeJson({ name, setAt: this.host.now() }) },
      ]);
      this.#dirty = true;
    });
  }

  async displayName(): Promise<string | undefined> {
    return decodeJson<{ name: string }>(await this.host.steps.store.get(this.host.ns, "display-name"))?.name;
  }

  /** The group of this account's devices as stored here (the Client lists it nowhere else: its type is internal). */
  async group(): Promise<ConversationInfo | undefined> {
    const type = this.host.registry.starter("self")?.spec.name;
    if (type === undefined) return undefined;
    for (const { value } of await this.host.steps.store.scan(CONVERSATION_INFO_NS)) {
      const info = decodeInfo(value);
      if (info?.type === type) return info;
    }
    return undefined;
  }

  /** The conversations the account's other devices said they are in (ACCOUNTS §4 step 4). */
  async siblingConversations(): Promise<SelfConversation[]> {
    const out: SelfConversation[] = [];
    for (const e of await this.host.steps.store.scan(this.host.ns, { prefix: "known/" })) {
      const v = decodeJson<{ type: string; name: string }>(e.value);
      if (v) out.push({ id: e.key.slice("known/".length), type: v.type, name: v.name });
    }
    return out;
  }

  /** Inside a sweep's serial step: the group made (primary) or found, then what changed shared with it. */
  async sweep(): Promise<void> {
    const s = this.host.account();
    if (!s || !this.#dirty) return;
    this.#dirty = false;
    const runtime = this.host.registry.starter("self");
    const start = runtime?.lifecycle?.start;
    const members = runtime?.lifecycle?.members;
    if (!runtime || !start || !members) return;
    const { steps } = this.host;
    // A failed commit shares nothing: the next sweep tries again.
    await steps.unit(this.#share(s, runtime, start, members)).catch((e: unknown) => {
      this.#dirty = true;
      throw e;
    });
  }

  #share(
    s: AccountState,
    runtime: NonNullable<ReturnType<Registry["starter"]>>,
    start: NonNullable<TypeLifecycle["start"]>,
    members: NonNullable<TypeLifecycle["members"]>,
  ): (tx: Transaction, plan: StepPlan) => Promise<void> {
    const { steps, effects } = this.host;
    return async (tx, plan) => {
      const ctx = steps.context(tx, runtime);
      const r = await lifecycleCall(() => start(ctx, { kind: "self", create: s.signer !== undefined }));
      await effects.apply(tx, r.effects, plan);
      const info = r.value.conversationId && decodeInfo(await tx.get(CONVERSATION_INFO_NS, r.value.conversationId));
      if (!info) return;
      const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
      const self = toHex(this.host.installation().publicKey);
      const others = (await members(ctx, ref)).filter((m) => !m.self);
      const siblings = others.filter((m) => m.state === "member").map((m) => m.peer);
      // Siblings still invited: swept again until they are members.
      if (others.length > siblings.length) this.#dirty = true;
      const send = (p: SelfPayload) => this.#send(tx, plan, ref, p);
      await this.#shareState(tx, ref.id, siblings, send);
      if (s.signer) for (const d of siblings) await this.#slice(tx, d, ref.id, self, send);
    };
  }

  /** Applies one payload a sibling shared, in the step that received it. A malformed one is an error event. */
  async receive(tx: Transaction, e: Extract<Effect, { kind: "account-sync" }>, plan: StepPlan): Promise<void> {
    const p = decodeSelfPayload(e.payload);
    if (!p.ok) {
      plan.events.push({ type: "error", conversationId: e.conversationId, error: p.error });
      return;
    }
    const v = p.value;
    switch (v.kind) {
      case "conversations":
        for (const c of v.conversations) {
          const value = encodeJson({ type: c.type, name: c.name });
          const held = await tx.get(this.host.ns, `known/${c.id}`);
          if (!held || fromUtf8(held) !== fromUtf8(value)) tx.put(this.host.ns, `known/${c.id}`, value);
        }
        return;
      case "read-markers":
        for (const m of v.markers) this.#setMarker(tx, plan, m, await this.#marker(tx, m.conversationId));
        return;
      case "display-name": {
        const held = decodeJson<{ setAt: number }>(await tx.get(this.host.ns, "display-name"));
        if (!held || v.setAt > held.setAt)
          tx.put(this.host.ns, "display-name", encodeJson({ name: v.name, setAt: v.setAt }));
        return;
      }
      case "history":
        if (v.to !== toHex(this.host.installation().publicKey)) return;
        for (const m of v.messages) await this.#synced(tx, v.conversationId, m, e.sender);
        return;
    }
  }

  async #synced(tx: Transaction, cid: string, m: SyncedMessage, from: string): Promise<void> {
    // The message index is permanent: a slice sent twice, or a message also received live, is stored once.
    if (await tx.get(MESSAGE_INDEX_NS, `${cid}/${m.messageId}`)) return;
    this.host.addHistory(tx, cid, {
      messageId: m.messageId,
      direction: "in",
      timestamp: m.timestamp,
      storedAt: this.host.now(),
      state: undefined,
      content: m.content,
      sender: m.sender || from,
      synced: true,
    });
  }

  async #marker(view: Pick<Transaction, "get">, cid: string): Promise<Marker | undefined> {
    return decodeJson<Marker>(await view.get(this.host.ns, `read/${cid}`));
  }

  /** Stages `m` when it is after `held` (monotonic) and reports it; true when it moved. */
  #setMarker(tx: Transaction, plan: StepPlan, m: ReadMarker, held: Marker | undefined): boolean {
    if (!markerAfter(m, held && { conversationId: m.conversationId, ...held })) return false;
    tx.put(this.host.ns, `read/${m.conversationId}`, encodeJson({ messageId: m.messageId, timestamp: m.timestamp }));
    plan.events.push({ type: "read-marker", ...m });
    return true;
  }

  async #send(tx: Transaction, plan: StepPlan, ref: ConversationRef, p: SelfPayload): Promise<void> {
    const runtime = this.host.registry.runtime(ref.type);
    const send = runtime?.lifecycle?.send;
    if (!runtime || !send) return;
    const bytes = encodeSelfPayload(p);
    const r = await lifecycleCall(() => send(this.host.steps.context(tx, runtime), ref, bytes));
    await this.host.effects.apply(tx, r.effects, plan);
  }

  /**
   * The conversation list, display name and every marker when they or the group's members changed since last
   * shared (a new member gets them all); else only the markers set here since.
   */
  async #shareState(tx: Transaction, groupId: string, siblings: string[], send: (p: SelfPayload) => Promise<void>) {
    const ns = this.host.ns;
    const conversations: SelfConversation[] = [];
    for (const { value } of await tx.scan(CONVERSATION_INFO_NS)) {
      const c = decodeInfo(value);
      if (c && c.id !== groupId && (c.status ?? "active") === "active")
        conversations.push({ id: c.id, type: c.type, name: c.name ?? "" });
    }
    const name = decodeJson<{ name: string; setAt: number }>(await tx.get(ns, "display-name"));
    const digestInput = JSON.stringify({ siblings: [...siblings].sort(), conversations, name });
    const digest = toHex(this.host.crypto.blake2b(utf8(digestInput), { dkLen: 32 }));
    const held = await tx.get(ns, "self-digest");
    const all = siblings.length > 0 && (!held || fromUtf8(held) !== digest);
    const out = await tx.scan(ns, { prefix: "read-out/" });
    if (siblings.length === 0) return;
    const markers: ReadMarker[] = [];
    const ids = all
      ? (await tx.scan(ns, { prefix: "read/" })).map((e) => e.key.slice(5))
      : out.map((e) => e.key.slice(9));
    for (const cid of ids) {
      const m = await this.#marker(tx, cid);
      if (m) markers.push({ conversationId: cid, ...m });
    }
    if (all) {
      for (let i = 0; i < conversations.length; i += SELF_PART_ENTRIES)
        await send({ kind: "conversations", conversations: conversations.slice(i, i + SELF_PART_ENTRIES) });
      if (name) await send({ kind: "display-name", name: name.name, setAt: name.setAt });
      tx.put(ns, "self-digest", utf8(digest));
    }
    for (let i = 0; i < markers.length; i += SELF_PART_ENTRIES)
      await send({ kind: "read-markers", markers: markers.slice(i, i + SELF_PART_ENTRIES) });
    for (const e of out) tx.delete(ns, e.key);
  }

  /** Primary: the last messages of each conversation, once per linked device (its `slice/` record). */
  async #slice(
    tx: Transaction,
    device: string,
    groupId: string,
    self: string,
    send: (p: SelfPayload) => Promise<void>,
  ) {
    const ns = this.host.ns;
    if (await tx.get(ns, `slice/${device}`)) return;
    tx.put(ns, `slice/${device}`, utf8("1"));
    if (this.host.sliceMessages <= 0) return;
    const conversations = (await tx.scan(CONVERSATION_INFO_NS))
      .map((e) => decodeInfo(e.value))
      .filter((c): c is ConversationInfo => c !== undefined && c.id !== groupId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, SLICE_CONVERSATIONS);
    for (const c of conversations) {
      const entries = await tx.scan(HISTORY_NS, { prefix: `${c.id}/`, reverse: true, limit: this.host.sliceMessages });
      let part: SyncedMessage[] = [];
      let bytes = 0;
      const flush = async () => {
        if (part.length > 0) await send({ kind: "history", to: device, conversationId: c.id, messages: part });
        part = [];
        bytes = 0;
      };
      for (const e of entries.reverse()) {
        const r = decodeHistory(e.value);
        if (!r || r.content.length > SLICE_BYTES) continue;
        if (bytes + r.content.length > SLICE_BYTES || part.length === SELF_PART_ENTRIES) await flush();
        part.push({
          messageId: r.messageId,
          sender: r.sender === self ? "" : (r.sender ?? ""),
          timestamp: r.timestamp,
          content: r.content,
        });
        bytes += r.content.length;
      }
      await flush();
    }
  }
}
