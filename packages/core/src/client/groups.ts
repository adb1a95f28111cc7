/**
 * The Client's side of GroupV1: owns the group engine and the hint index of group topics, and turns each
 * engine step's effects into (1) store writes that join the step's transaction (history records,
 * conversation records, and the PrivateV1 sends that carry control frames) and (2) the work done after
 * that transaction commits (publishing, subscribing, history fetches, events). Group steps therefore commit
 * exactly like PrivateV1 steps: everything at once, before anything is published.
 */
import { fromUtf8 } from "../base/bytes.js";
import type { ContentCodecs } from "../conversations/content/index.js";
import { type GroupEffect, GroupError, GroupV1Engine } from "../conversations/group-v1/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { decodeEncryptedPayload, decodeEnvelope } from "../framework/envelope.js";
import { HintIndex } from "../framework/hints.js";
import type { ConversationRef } from "../framework/runtime.js";
import type { Transaction } from "../framework/store.js";
import type { Installation } from "../identity/installation.js";
import {
  CONVERSATION_INFO_NS,
  decodeHistory,
  decodeInfo,
  encodeHistory,
  encodeJson,
  HISTORY_NS,
  type HistoryRecord,
  MESSAGE_INDEX_NS,
} from "./records.js";
import type { ClientEvent, ConversationInfo, DeliveryState, GroupOptions } from "./types.js";

export const GROUP_V1 = "GroupV1";

/** Rejections that follow from redundancy or from acting after leaving; not worth an error event. */
const QUIET = new Set(["unknown-group", "not-a-member"]);

/** What the Client lends the bridge. */
export interface GroupHost {
  now(): number;
  addHistory(tx: Transaction, conversationId: string, record: HistoryRecord): void;
  /**
   * Sends a GroupControlFrame to `peer` over a PrivateV1 conversation with it, writing that conversation's
   * next state into `tx`; returns the publishing to do after commit (undefined: no pairwise conversation).
   */
  sendControl(tx: Transaction, peer: string, frame: Uint8Array): Promise<(() => Promise<boolean>) | undefined>;
  publish(contentTopic: string, payload: Uint8Array, conversationId: string): Promise<boolean>;
  subscribe(contentTopic: string): Promise<void>;
  fetchHistory(contentTopic: string, since: number | undefined): void;
}

/** The result of planning one step: events to emit and work to run, in order, after the commit. */
export interface GroupPlan {
  readonly events: ClientEvent[];
  readonly after: (() => Promise<boolean | undefined>)[];
}

export const emptyPlan = (): GroupPlan => ({ events: [], after: [] });

/** Where a step's input came from: decides `initiatedBy` and `peer` of a group that starts in this step. */
export interface GroupOrigin {
  readonly initiatedBy: "me" | "peer";
  /** The pairwise peer whose control frame caused the step ("" for local commands and topic messages). */
  readonly from: string;
}

export class ClientGroups {
  readonly #index = new HintIndex();

  private constructor(
    readonly engine: GroupV1Engine,
    readonly host: GroupHost,
    private readonly codecs: ContentCodecs,
  ) {}

  static async create(
    options: { crypto: CryptoProvider; installation: Installation; clock: GroupV1Engine["options"]["clock"] },
    groups: GroupOptions | undefined,
    host: GroupHost,
    codecs: ContentCodecs,
  ): Promise<ClientGroups> {
    const engine = await GroupV1Engine.create({
      ...groups,
      crypto: options.crypto,
      identity: { publicKey: options.installation.publicKey, secretKey: options.installation.secretKey },
      clock: options.clock,
    });
    return new ClientGroups(engine, host, codecs);
  }

  ref(conversationId: string): ConversationRef {
    return { id: conversationId, type: GROUP_V1, contentTopic: this.engine.contentTopic(conversationId) };
  }

  /** Makes the group's messages recognisable on its topic. */
  track(conversationId: string): ConversationRef {
    const ref = this.ref(conversationId);
    this.#index.add(ref);
    return ref;
  }

  hasTopic(contentTopic: string): boolean {
    return this.#index.conversationsOn(contentTopic).length > 0;
  }

  /**
   * The group an envelope on `contentTopic` is addressed to, with the GroupV1Message inside; undefined when
   * it is not a group message we know (then it is the decoder's). Total: never throws.
   */
  match(contentTopic: string, bytes: Uint8Array): { conversationId: string; message: Uint8Array } | undefined {
    if (!this.hasTopic(contentTopic)) return undefined;
    const env = decodeEnvelope(bytes);
    if (!env.ok) return undefined;
    const candidates = this.#index.match(contentTopic, env.value.conversationHint, env.value.salt);
    if (candidates.length === 0) return undefined;
    const enc = decodeEncryptedPayload(env.value.payload);
    if (!enc.ok || enc.value.encryption.case !== "plaintext") return undefined;
    return { conversationId: candidates[0]!.conversation.id, message: enc.value.encryption.value.payload };
  }

  /**
   * Applies a step's effects to `tx` and `plan`. Runs BEFORE the step's transaction commits: the history of
   * received messages, the group's conversation record and the PrivateV1 states of control sends all
   * commit with the group state.
   */
  async plan(tx: Transaction, effects: readonly GroupEffect[], origin: GroupOrigin, plan: GroupPlan): Promise<void> {
    const touched = new Set<string>();
    const changed = new Set<string>();
    for (const e of effects) {
      switch (e.kind) {
        case "publish":
          plan.after.push(() => this.host.publish(e.contentTopic, e.payload, e.conversationId));
          break;
        case "control": {
          const send = await this.host.sendControl(tx, e.to, e.frame);
          // Without a pairwise conversation the frame cannot travel; the engine's timeouts and
          // re-welcome paths take over (a key-package request simply goes unanswered).
          if (send) plan.after.push(send);
          break;
        }
        case "subscribe":
        case "joined":
          this.track(e.conversationId);
          plan.after.push(async () => {
            await this.host.subscribe(e.contentTopic);
            return undefined;
          });
          touched.add(e.conversationId);
          break;
        case "message":
          this.host.addHistory(tx, e.conversationId, {
            messageId: e.messageId,
            direction: "in",
            timestamp: e.timestamp,
            storedAt: this.host.now(),
            state: undefined,
            content: e.content,
            sender: e.sender,
          });
          plan.events.push({
            type: "message",
            conversationId: e.conversationId,
            messageId: e.messageId,
            sender: e.sender,
            content: this.codecs.decode(e.content),
            timestamp: e.timestamp,
          });
          break;
        case "members-changed":
          touched.add(e.conversationId);
          changed.add(e.conversationId);
          break;
        case "removed":
        case "left":
          touched.add(e.conversationId);
          plan.events.push({ type: e.kind, conversationId: e.conversationId });
          break;
        case "delivery": {
          const event = await this.#deliveryState(tx, e.conversationId, e.messageId, DELIVERY[e.state]);
          if (event) plan.events.push(event);
          break;
        }
        case "fetch-history":
          plan.after.push(async () => {
            this.host.fetchHistory(e.contentTopic, e.since);
            return undefined;
          });
          break;
        case "orphans-evicted":
          plan.events.push({ type: e.kind, conversationId: e.conversationId, reason: e.reason, count: e.count });
          break;
        case "held":
          break; // the step's outcome (Client.ingest), not an event: normal while a commit is on its way
        case "rejected":
          if (!QUIET.has(e.reason))
            plan.events.push({
              type: "error",
              error: new GroupError(asGroupCode(e.reason), `group input rejected: ${e.reason}`),
              ...(e.conversationId !== "" && { conversationId: e.conversationId }),
            });
          break;
      }
    }
    for (const cid of touched) await this.#record(tx, cid, origin, plan);
    for (const cid of changed) plan.events.push({ type: "members-changed", conversationId: cid });
  }

  /**
   * A group message's delivery state after its epoch lost the fork choice: `queued` again while it waits for
   * a removal to be re-applied, `sent` once published again, `lost` if it never will be. Group states move
   * both ways between queued and sent (unlike 1:1 acknowledgements); lost is final.
   */
  async #deliveryState(
    tx: Transaction,
    cid: string,
    messageId: string,
    state: DeliveryState,
  ): Promise<ClientEvent | undefined> {
    const keyBytes = await tx.get(MESSAGE_INDEX_NS, `${cid}/${messageId}`);
    const key = keyBytes && fromUtf8(keyBytes);
    const record = key ? decodeHistory((await tx.get(HISTORY_NS, key)) ?? new Uint8Array()) : undefined;
    // Frames the application never saw (Joined announcements) have no history record.
    if (!key || record?.direction !== "out" || record.state === state || record.state === "lost") return undefined;
    tx.put(HISTORY_NS, key, encodeHistory({ ...record, state }));
    return { type: "delivery-state", conversationId: cid, messageId, state };
  }

  /** Creates or refreshes the group's conversation record (name, description, status) inside `tx`. */
  async #record(tx: Transaction, cid: string, origin: GroupOrigin, plan: GroupPlan): Promise<void> {
    const old = decodeInfo(await tx.get(CONVERSATION_INFO_NS, cid));
    const summary = await this.engine.summary(tx, cid);
    const readable = summary.status === "active";
    const next: ConversationInfo = {
      id: cid,
      type: GROUP_V1,
      peer: old?.peer ?? origin.from,
      initiatedBy: old?.initiatedBy ?? origin.initiatedBy,
      createdAt: old?.createdAt ?? this.host.now(),
      contentTopic: summary.contentTopic,
      // Once removed or left we no longer hold the group context: keep the last name we knew.
      name: readable ? summary.name : (old?.name ?? ""),
      description: readable ? summary.description : (old?.description ?? ""),
      status: summary.status,
    };
    if (!old) {
      plan.events.unshift({
        type: "conversation-started",
        conversationId: cid,
        peer: next.peer,
        initiatedBy: next.initiatedBy,
      });
    } else if (old.name === next.name && old.description === next.description && old.status === next.status) return;
    tx.put(CONVERSATION_INFO_NS, cid, encodeJson(next));
  }
}

const DELIVERY: Record<"waiting" | "sent" | "lost", DeliveryState> = { waiting: "queued", sent: "sent", lost: "lost" };

function asGroupCode(reason: string): ConstructorParameters<typeof GroupError>[0] {
  const known = ["unknown-group", "not-a-member", "bad-key-package", "bad-credential", "bad-message", "bad-state"];
  return (known.includes(reason) ? reason : "bad-message") as ConstructorParameters<typeof GroupError>[0];
}
