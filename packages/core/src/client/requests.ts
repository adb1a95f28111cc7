/**
 * Request mode and the invite bounds (docs/PROTOCOL.md §7): an authenticated invite is admitted (rate per
 * window, pending cap), kept as a message request until the application accepts or refuses it, and expires.
 * The started conversation is judged from its neutral outcome (its peer, the messages its invite carried),
 * whatever its type.
 */
import type { Content } from "../conversations/content/index.js";
import { CONVERSATION_STATE_NS, conversationKey, conversationWriteOps } from "../framework/conversation-store.js";
import type { Readable } from "../framework/decoder.js";
import type { Effect } from "../framework/lifecycle.js";
import type { ConversationRef } from "../framework/runtime.js";
import { type Store, Transaction } from "../framework/store.js";
import type { StepPlan } from "./effects.js";
import { ClientError } from "./errors.js";
import type { RateWindow } from "./invite-gate.js";
import {
  decodeExpiry,
  decodeRequest,
  encodeExpiry,
  encodeRequest,
  MAX_REFUSAL_MARKS,
  MESSAGE_REQUEST_NS,
  REFUSED_INVITE_NS,
  type RequestFrame,
} from "./message-requests.js";
import { CONVERSATION_INFO_NS, encodeJson, type HistoryRecord } from "./records.js";
import { apply, type Steps } from "./step.js";
import type { ClientConfig, ClientEvent, ConversationInfo, InboundOutcome, MessageRequest } from "./types.js";

/** How far back an accepted request's topic history is fetched (messages sent before we listened). */
const BACKFILL_MS = 10 * 60_000;

export interface RequestsHost {
  readonly store: Store;
  readonly steps: Steps;
  readonly config: ClientConfig;
  readonly inviteRate: RateWindow;
  now(): number;
  emit(event: ClientEvent): void;
  decodeContent(bytes: Uint8Array): Content;
  addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): string;
  /** Whether conversations of this type are the pairwise ones (asked about in request mode). */
  isPairwise(type: string): boolean;
  /** Whether the user already talks with `peer` in a pairwise conversation. */
  knowsPeer(tx: Transaction, peer: string): Promise<boolean>;
  openedEffects(ref: ConversationRef, frame: unknown, state: unknown, started: { now: number }): Effect[];
}

export class Requests {
  /** Pending message requests and refusal marks, by id (loaded at boot; bounded by maxPending / MAX_REFUSAL_MARKS). */
  readonly #pending = new Map<string, { expiresAt: number; peer: string }>();
  readonly #refused = new Map<string, number>();

  constructor(private readonly host: RequestsHost) {}

  async load(): Promise<void> {
    const store = this.host.store;
    for (const { value } of await store.scan(MESSAGE_REQUEST_NS)) {
      const r = decodeRequest(value);
      if (r) this.#pending.set(r.id, { expiresAt: r.expiresAt, peer: r.peer });
    }
    const marks = (await store.scan(REFUSED_INVITE_NS)).map((e) => [e.key, decodeExpiry(e.value) ?? 0] as const);
    for (const [id, expiresAt] of marks.sort((a, b) => a[1] - b[1])) this.#refused.set(id, expiresAt);
  }

  /** Invites waiting for the application's decision, oldest first. */
  async list(): Promise<MessageRequest[]> {
    const out: MessageRequest[] = [];
    for (const { value } of await this.host.store.scan(MESSAGE_REQUEST_NS)) {
      const r = decodeRequest(value);
      if (!r) continue;
      const messages = r.frames.map((f) => ({
        messageId: f.messageId,
        content: this.host.decodeContent(f.content),
        timestamp: f.timestamp,
      }));
      out.push({ id: r.id, peer: r.peer, receivedAt: r.receivedAt, expiresAt: r.expiresAt, messages });
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
  }

  /** Starts the request's conversation (one commit: records, history, the request deleted); then watches it. */
  async accept(id: string): Promise<{ conversationId: string }> {
    const host = this.host;
    const r = decodeRequest(await host.store.get(MESSAGE_REQUEST_NS, id));
    if (!r) throw new ClientError("unknown-request", "no such message request");
    const now = host.now();
    const ref: ConversationRef = { id: r.id, type: r.type, contentTopic: r.contentTopic };
    const info: ConversationInfo = {
      id: r.id,
      type: r.type,
      peer: r.peer,
      initiatedBy: "peer",
      createdAt: now,
      contentTopic: r.contentTopic,
    };
    await host.steps.unit(async (tx: Transaction, plan: StepPlan) => {
      tx.delete(MESSAGE_REQUEST_NS, id);
      for (const op of conversationWriteOps(ref, r.state)) apply(tx, op);
      tx.put(CONVERSATION_INFO_NS, r.id, encodeJson(info));
      plan.watch.push({ ref, since: r.receivedAt - BACKFILL_MS });
      plan.events.push({ type: "conversation-started", conversationId: r.id, peer: r.peer, initiatedBy: "peer" });
      for (const f of r.frames) {
        host.addHistory(tx, r.id, { ...f, direction: "in", storedAt: now, state: undefined, sender: r.peer });
        const content = host.decodeContent(f.content);
        plan.events.push({ type: "message", conversationId: r.id, sender: r.peer, ...f, content });
      }
    });
    this.#pending.delete(id);
    return { conversationId: r.id };
  }

  /** Deletes the request, leaving a refusal mark until the invite's bundle keys have expired. */
  async refuse(id: string): Promise<void> {
    const host = this.host;
    if (!this.#pending.has(id) && !(await host.store.get(MESSAGE_REQUEST_NS, id)))
      throw new ClientError("unknown-request", "no such message request");
    const tx = new Transaction(host.store);
    tx.delete(MESSAGE_REQUEST_NS, id);
    const expiresAt = host.now() + host.config.bundle.lifetimeMs;
    tx.put(REFUSED_INVITE_NS, id, encodeExpiry(expiresAt));
    // Marks are kept in expiry order (insertion order, one lifetime each): the oldest goes first.
    const evicted = this.#refused.size >= MAX_REFUSAL_MARKS ? this.#refused.keys().next().value : undefined;
    if (evicted !== undefined) tx.delete(REFUSED_INVITE_NS, evicted);
    await host.steps.commit(tx);
    if (evicted !== undefined) this.#refused.delete(evicted);
    this.#pending.delete(id);
    this.#refused.set(id, expiresAt);
  }

  /**
   * The invite bounds, applied to an authenticated invite before anything of it is stored. Returns the
   * outcome when the invite is handled here (a resend of a pending or refused one, a drop, a new request);
   * undefined when it starts its conversation as before (accept mode).
   */
  async admit(c: Readable): Promise<InboundOutcome | undefined> {
    const host = this.host;
    const s = c.started[0]!;
    const id = s.conversation.id;
    const inbox = c.conversation.id;
    if (this.#pending.has(id) || this.#refused.has(id))
      return { kind: "badly-formed", reason: "conversation-exists", conversationId: inbox };
    const policy = host.config.invites;
    const now = host.now();
    // What the started conversation is, in the neutral vocabulary: its peer and the messages its invite carried.
    const effects = host.openedEffects(s.conversation, s.frame, s.state, { now });
    const peer = effects.find((e) => e.kind === "conversation")?.peer ?? "";
    // The rate comes first: it also bounds the scan for a known contact below.
    let reason: "rate" | "cap" | undefined = host.inviteRate.admit(now) ? undefined : "rate";
    let request = policy.mode === "request" && host.isPairwise(s.conversation.type);
    // Someone the user already talks with (a pairwise conversation it accepted or started) is not asked about.
    if (!reason && request) request = !(await host.knowsPeer(new Transaction(host.store), peer));
    if (!reason && request && this.#pending.size >= policy.maxPending) reason = "cap";
    if (reason) {
      host.emit({ type: "invite-dropped", reason, source: "invite", peer });
      return { kind: "dropped", reason };
    }
    if (!request) return undefined;
    const key = conversationKey(s.conversation);
    const tx = new Transaction(host.store);
    // Only the inbox's own state (a single-use bundle key retired) is written: the conversation waits.
    for (const op of c.writes) if (op.key === conversationKey(c.conversation)) apply(tx, op);
    const state = c.writes.find((op) => op.op === "put" && op.ns === CONVERSATION_STATE_NS && op.key === key);
    const frames: RequestFrame[] = [];
    for (const e of effects)
      if (e.kind === "message") frames.push({ messageId: e.messageId, timestamp: e.timestamp, content: e.content });
    const expiresAt = now + policy.requestTtlMs;
    tx.put(
      MESSAGE_REQUEST_NS,
      id,
      encodeRequest({
        id,
        type: s.conversation.type,
        contentTopic: s.conversation.contentTopic,
        peer,
        receivedAt: now,
        expiresAt,
        state: state?.op === "put" ? state.value : new Uint8Array(),
        frames,
      }),
    );
    await host.steps.commit(tx);
    this.#pending.set(id, { expiresAt, peer });
    host.emit({ type: "message-request", requestId: id, peer });
    return { kind: "readable", conversationId: inbox };
  }

  /** Deletes expired message requests (reported) and refusal marks. */
  async expire(): Promise<void> {
    const host = this.host;
    const now = host.now();
    const requests = [...this.#pending].filter(([, p]) => p.expiresAt <= now);
    const marks = [...this.#refused].filter(([, t]) => t <= now).map(([id]) => id);
    if (requests.length === 0 && marks.length === 0) return;
    const tx = new Transaction(host.store);
    for (const [id] of requests) tx.delete(MESSAGE_REQUEST_NS, id);
    for (const id of marks) tx.delete(REFUSED_INVITE_NS, id);
    await host.steps.commit(tx);
    for (const id of marks) this.#refused.delete(id);
    for (const [id, p] of requests) {
      this.#pending.delete(id);
      host.emit({ type: "invite-dropped", reason: "expired", source: "invite", peer: p.peer, conversationId: id });
    }
  }
}
