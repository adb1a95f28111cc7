/** What the application may ask of a group: its members (with their join state) and a summary of its head. */
import type { TransactionView } from "../../framework/store.js";
import { decodeMetadata, type GroupMetadata, METADATA_EXTENSION_TYPE } from "./metadata.js";
import { roster } from "./mls.js";
import type { GroupMeta } from "./records.js";
import { type EngineContext, openSession } from "./session.js";

export type MemberState = "member" | "pending" | "invited";

export interface GroupMember {
  /** Identity public key, lower hex. */
  readonly identity: string;
  readonly state: MemberState;
  readonly self: boolean;
}

export interface GroupSummary extends GroupMetadata {
  readonly conversationId: string;
  readonly contentTopic: string;
  readonly status: GroupMeta["status"];
  readonly epoch: bigint;
  readonly epochId: string;
}

/** The head roster (pending: not yet seen to act since its Welcome), then members invited but not added. */
export async function members(ctx: EngineContext, tx: TransactionView, cid: string): Promise<GroupMember[]> {
  const s = await openSession(ctx, tx, cid);
  const out: GroupMember[] = [];
  const head = s.node(s.meta.head);
  if (head && !head.removed && s.meta.status === "active") {
    for (const r of roster(await s.state(head.id))) {
      const pending = !s.meta.confirmed.includes(r.identity) && r.identity !== ctx.self;
      out.push({ identity: r.identity, state: pending ? "pending" : "member", self: r.identity === ctx.self });
    }
  }
  for (const i of s.meta.intents)
    if (i.kind === "add" && i.satisfiedAt === undefined && !out.some((m) => m.identity === i.identity))
      out.push({ identity: i.identity, state: "invited", self: false });
  return out;
}

/** The credential identities of the head roster's leaves; none when we are not an active member. */
export async function credentials(ctx: EngineContext, tx: TransactionView, cid: string): Promise<Uint8Array[]> {
  const s = await openSession(ctx, tx, cid);
  const head = s.node(s.meta.head);
  if (!head || head.removed || s.meta.status !== "active") return [];
  const out: Uint8Array[] = [];
  for (const node of (await s.state(head.id)).ratchetTree)
    if (node?.nodeType === "leaf" && node.leaf.credential.credentialType === "basic")
      out.push(node.leaf.credential.identity);
  return out;
}

export async function summary(ctx: EngineContext, tx: TransactionView, cid: string): Promise<GroupSummary> {
  const s = await openSession(ctx, tx, cid);
  const head = s.node(s.meta.head) ?? { id: "", epoch: -1n, removed: true };
  let meta: GroupMetadata = { name: "", description: "" };
  if (!head.removed) {
    const ext = (await s.state(head.id)).groupContext.extensions.find(
      (e) => e.extensionType === METADATA_EXTENSION_TYPE,
    );
    meta = (ext && decodeMetadata(ext.extensionData)) ?? meta;
  }
  return {
    ...meta,
    conversationId: cid,
    contentTopic: ctx.contentTopic(cid),
    status: s.meta.status,
    epoch: head.epoch,
    epochId: head.id,
  };
}
