/**
 * Applies a conversation type's neutral effects (framework/lifecycle.ts) without knowing the type: the records
 * they imply (history, delivery states, conversation records) join the step's transaction, and what must wait
 * for the commit (routing and watching topics, events, publishing, control listeners) goes into the step's
 * plan, run in order once the commit succeeded.
 */
import { fromUtf8 } from "../base/bytes.js";
import type { Content } from "../conversations/content/index.js";
import type { Effect } from "../framework/lifecycle.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { Transaction, TransactionView } from "../framework/store.js";
import {
  advance,
  CONVERSATION_INFO_NS,
  decodeHistory,
  decodeInfo,
  encodeHistory,
  encodeJson,
  HISTORY_NS,
  type HistoryRecord,
  MESSAGE_INDEX_NS,
} from "./records.js";
import type { ClientEvent, ConversationInfo, DeliveryState } from "./types.js";

/** Envelopes a step publishes after its commit (through the outbox), and the messages they make `sent`. */
export type Publish = Omit<Extract<Effect, { kind: "publish" }>, "kind">;

/**
 * What one step does after its commit, in this order: watch topics, emit events, run `after` (listeners,
 * history fetches), hand `publish` to the outbox.
 */
export interface StepPlan {
  readonly watch: { readonly ref: ConversationRef; readonly since?: number }[];
  readonly events: ClientEvent[];
  readonly after: (() => void)[];
  readonly publish: Publish[];
}

export const newPlan = (): StepPlan => ({ watch: [], events: [], after: [], publish: [] });

/** A received control payload, as the consuming type and `onGroupControl` listeners get it. */
export interface ControlIn {
  readonly conversationId: string;
  readonly peer: string;
  readonly messageId: string;
  readonly payload: Uint8Array;
}

/** What the Client lends the applier. */
export interface EffectHost {
  now(): number;
  decodeContent(bytes: Uint8Array): Content;
  addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): string;
  /** A control payload for `peer` through the carrier type, in `tx`; undefined when it cannot travel. */
  carry(tx: Transaction, peer: string, payload: Uint8Array): Promise<readonly Effect[] | undefined>;
  /** A received control payload for the consumer type, in `tx`. */
  control(tx: Transaction, message: ControlIn, plan: StepPlan): Promise<void>;
  fetchHistory(contentTopic: string, since: number | undefined): void;
  /** A type whose conversations are machinery (lifecycle `internal`): none is reported started. */
  internal(type: string): boolean;
  /** A payload a sibling device of this account shared, in `tx`. */
  accountSync(tx: Transaction, effect: Extract<Effect, { kind: "account-sync" }>, plan: StepPlan): Promise<void>;
}

export class EffectApplier {
  constructor(private readonly host: EffectHost) {}

  async apply(tx: Transaction, effects: readonly Effect[], plan: StepPlan): Promise<void> {
    for (const e of effects) await this.#one(tx, e, plan);
  }

  async #one(tx: Transaction, e: Effect, plan: StepPlan): Promise<void> {
    const host = this.host;
    switch (e.kind) {
      case "conversation":
        return this.#conversation(tx, e, plan);
      case "watch":
        plan.watch.push(e.since === undefined ? { ref: e.ref } : { ref: e.ref, since: e.since });
        return;
      case "message": {
        const { conversationId, messageId } = e;
        // The application sees a message once, whatever the layers below let through twice (a copy sealed
        // again in a new session after its SDS id left the duplicate window): the message index is permanent.
        // A message held only from a sibling's history slice (stored, never reported) is reported now, once.
        const indexed = await tx.get(MESSAGE_INDEX_NS, `${conversationId}/${messageId}`);
        if (indexed && !(await arrivedAfterSlice(tx, indexed))) return;
        if (!indexed)
          host.addHistory(tx, conversationId, {
            messageId,
            direction: "in",
            timestamp: e.timestamp,
            storedAt: host.now(),
            state: undefined,
            content: e.content,
            sender: e.sender,
          });
        const content = host.decodeContent(e.content);
        plan.events.push({
          type: "message",
          conversationId,
          messageId,
          sender: e.sender,
          content,
          timestamp: e.timestamp,
        });
        return;
      }
      case "sent": {
        const record: HistoryRecord = {
          messageId: e.messageId,
          direction: "out",
          timestamp: e.timestamp,
          storedAt: host.now(),
          state: "queued",
          content: e.content,
        };
        host.addHistory(tx, e.conversationId, record);
        plan.events.push({
          type: "delivery-state",
          conversationId: e.conversationId,
          messageId: e.messageId,
          state: "queued",
        });
        return;
      }
      case "delivery": {
        const event = await deliveryChange(tx, e.conversationId, e.messageId, e.state, e.rule);
        if (event) plan.events.push(event);
        return;
      }
      case "notice": {
        const { kind, ...rest } = e.notice;
        plan.events.push({ type: kind, ...rest } as ClientEvent);
        return;
      }
      case "publish": {
        const { kind: _, ...publish } = e;
        plan.publish.push(publish);
        return;
      }
      case "control-out": {
        // Without a pairwise conversation the payload cannot travel; the consumer's timeouts take over.
        const carried = await host.carry(tx, e.peer, e.payload);
        if (carried) await this.apply(tx, carried, plan);
        return;
      }
      case "account-sync":
        return host.accountSync(tx, e, plan);
      case "control-in":
        return host.control(tx, e, plan);
      case "fetch-history":
        plan.after.push(() => host.fetchHistory(e.contentTopic, e.since));
        return;
    }
  }

  /** Creates the conversation's record (reported started), or refreshes its name, description and status. */
  async #conversation(tx: Transaction, e: Extract<Effect, { kind: "conversation" }>, plan: StepPlan): Promise<void> {
    const id = e.ref.id;
    const old = decodeInfo(await tx.get(CONVERSATION_INFO_NS, id));
    const next: ConversationInfo = {
      id,
      type: e.ref.type,
      peer: old?.peer ?? e.peer,
      initiatedBy: old?.initiatedBy ?? e.initiatedBy,
      createdAt: old?.createdAt ?? this.host.now(),
      contentTopic: e.ref.contentTopic,
      // A type that cannot read them any more (a group left) leaves out name and description: the last known stay.
      ...((e.name ?? old?.name) !== undefined && { name: e.name ?? old?.name }),
      ...((e.description ?? old?.description) !== undefined && { description: e.description ?? old?.description }),
      ...(e.status !== undefined && { status: e.status }),
    };
    if (!old) {
      if (!this.host.internal(next.type))
        plan.events.push({
          type: "conversation-started",
          conversationId: id,
          peer: next.peer,
          initiatedBy: next.initiatedBy,
        });
    } else if (old.name === next.name && old.description === next.description && old.status === next.status) return;
    tx.put(CONVERSATION_INFO_NS, id, encodeJson(next));
  }
}

/**
 * A delivery change under its rule. `advance`: monotonic (1:1 acknowledgements). `toggle`: our own messages
 * only, both ways between queued and sent, `lost` final (a group message whose epoch lost the fork choice).
 */
export async function deliveryChange(
  tx: TransactionView,
  conversationId: string,
  messageId: string,
  state: DeliveryState,
  rule: "advance" | "toggle",
): Promise<ClientEvent | undefined> {
  const keyBytes = await tx.get(MESSAGE_INDEX_NS, `${conversationId}/${messageId}`);
  const key = keyBytes && fromUtf8(keyBytes);
  if (!key) return undefined;
  const bytes = await tx.get(HISTORY_NS, key);
  const record = bytes && decodeHistory(bytes);
  if (!record) return undefined;
  let next: DeliveryState | undefined;
  if (rule === "advance") next = advance(record.state, state);
  // Frames the application never saw (a group's Joined announcements) have no history record.
  else next = record.direction !== "out" || record.state === state || record.state === "lost" ? undefined : state;
  if (!next) return undefined;
  tx.put(HISTORY_NS, key, encodeHistory({ ...record, state: next }));
  return { type: "delivery-state", conversationId, messageId, state: next };
}

/**
 * Whether the history record `indexed` names was stored from a sibling's history slice (docs/ACCOUNTS.md §4) and
 * not yet reported: the message arrived itself after the slice. The record loses its mark in `tx`, so the
 * application is told once, and a later copy is a duplicate again.
 */
async function arrivedAfterSlice(tx: Transaction, indexed: Uint8Array): Promise<boolean> {
  const key = fromUtf8(indexed);
  const bytes = key === undefined ? undefined : await tx.get(HISTORY_NS, key);
  const record = bytes && decodeHistory(bytes);
  if (key === undefined || !record?.synced) return false;
  const { synced: _, ...live } = record;
  tx.put(HISTORY_NS, key, encodeHistory(live));
  return true;
}
