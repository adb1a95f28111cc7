/**
 * GroupV1's effects in the framework's neutral vocabulary (framework/lifecycle.ts): what one engine step
 * means for the application (messages, delivery changes, the group's record and notices) and for the
 * Client's routing (envelopes to publish, control payloads for members, topics to watch, history to fetch).
 */

import { decodeEncryptedPayload, decodeEnvelope } from "../../framework/envelope.js";
import type { Effect, Outgoing } from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { TransactionView } from "../../framework/store.js";
import type { GroupEffect } from "./effects.js";
import type { GroupV1Engine } from "./engine.js";
import { GroupError, type GroupErrorCode } from "./errors.js";

export const GROUP_V1 = "GroupV1";

/** Rejections that follow from redundancy or from acting after leaving; not worth an error event. */
const QUIET = new Set(["unknown-group", "not-a-member"]);

const DELIVERY = { waiting: "queued", sent: "sent", lost: "lost" } as const;

const CODES: readonly string[] = [
  "unknown-group",
  "not-a-member",
  "bad-key-package",
  "bad-credential",
  "bad-message",
  "bad-state",
];

/** Where a step's input came from: decides `initiatedBy` and `peer` of a group that starts in this step. */
export interface GroupOrigin {
  readonly initiatedBy: "me" | "peer";
  /** The pairwise peer whose control payload caused the step ("" for local commands and topic messages). */
  readonly from: string;
}

export const BY_ME: GroupOrigin = { initiatedBy: "me", from: "" };
export const BY_PEER: GroupOrigin = { initiatedBy: "peer", from: "" };

export function groupRef(engine: GroupV1Engine, conversationId: string): ConversationRef {
  return { id: conversationId, type: engine.typeName, contentTopic: engine.contentTopic(conversationId) };
}

/**
 * The engine seals its own envelopes; the Client seals every type's the same way, so the group's is taken
 * apart again (its hint is the group id, salted anew by the Client).
 */
function outgoingOf(
  cid: string,
  contentTopic: string,
  envelope: Uint8Array,
): Outgoing | { contentTopic: string; sealed: Uint8Array } {
  const env = decodeEnvelope(envelope);
  const payload = env.ok ? decodeEncryptedPayload(env.value.payload) : undefined;
  return payload?.ok ? { hint: cid, contentTopic, payload: payload.value } : { contentTopic, sealed: envelope };
}

/**
 * Translates one engine step. The groups it touched get their record (started, or refreshed name,
 * description and status) first, so a new group is reported before its messages; roster changes last.
 */
export async function groupEffects(
  engine: GroupV1Engine,
  tx: TransactionView,
  effects: readonly GroupEffect[],
  origin: GroupOrigin,
): Promise<Effect[]> {
  const out: Effect[] = [];
  const touched = new Set<string>();
  const changed = new Set<string>();
  for (const e of effects) {
    switch (e.kind) {
      case "publish":
        out.push({
          kind: "publish",
          conversationId: e.conversationId,
          outgoing: [outgoingOf(e.conversationId, e.contentTopic, e.payload)],
        });
        break;
      case "control":
        out.push({ kind: "control-out", peer: e.to, payload: e.frame });
        break;
      case "subscribe":
      case "joined":
        out.push({ kind: "watch", ref: groupRef(engine, e.conversationId) });
        touched.add(e.conversationId);
        break;
      case "message":
        out.push({
          kind: "message",
          conversationId: e.conversationId,
          messageId: e.messageId,
          sender: e.sender,
          timestamp: e.timestamp,
          content: e.content,
        });
        break;
      case "members-changed":
        touched.add(e.conversationId);
        changed.add(e.conversationId);
        break;
      case "removed":
      case "left":
        touched.add(e.conversationId);
        out.push({ kind: "notice", notice: { kind: e.kind, conversationId: e.conversationId } });
        break;
      case "delivery":
        out.push({
          kind: "delivery",
          conversationId: e.conversationId,
          messageId: e.messageId,
          state: DELIVERY[e.state],
          rule: "toggle",
        });
        break;
      case "fetch-history":
        out.push({
          kind: "fetch-history",
          contentTopic: e.contentTopic,
          ...(e.since !== undefined && { since: e.since }),
        });
        break;
      case "orphans-evicted":
        out.push({
          kind: "notice",
          notice: { kind: e.kind, conversationId: e.conversationId, reason: e.reason, count: e.count },
        });
        break;
      case "held":
        break; // the step's outcome (Client.ingest), not an event: normal while a commit is on its way
      case "rejected":
        if (!QUIET.has(e.reason)) {
          const code = (CODES.includes(e.reason) ? e.reason : "bad-message") as GroupErrorCode;
          const error = new GroupError(code, `group input rejected: ${e.reason}`);
          out.push({
            kind: "notice",
            notice: { kind: "error", error, ...(e.conversationId !== "" && { conversationId: e.conversationId }) },
          });
        }
        break;
    }
  }
  const records: Effect[] = [];
  for (const cid of touched) {
    const s = await engine.summary(tx as never, cid);
    // Once removed or left we no longer hold the group context: the Client keeps the last name it knew.
    const readable = s.status === "active";
    records.push({
      kind: "conversation",
      ref: { id: cid, type: engine.typeName, contentTopic: s.contentTopic },
      peer: origin.from,
      initiatedBy: origin.initiatedBy,
      status: s.status,
      ...(readable && { name: s.name, description: s.description }),
    });
  }
  const roster: Effect[] = [...changed].map((conversationId) => ({
    kind: "notice",
    notice: { kind: "members-changed", conversationId },
  }));
  return [...records, ...out, ...roster];
}
