/**
 * What arrives on the group topic: commits (every branch whose parent we hold, fork-choice input),
 * application frames (attributed from the MLS leaf, delivered once), and messages for epochs we cannot read
 * yet, handed to the in-memory orphan buffer (orphans.ts) and taken back when their epoch becomes readable.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type ClientState, decodeMlsMessage, emptyPskIndex, type PrivateMessage, processPrivateMessage } from "ts-mls";
import { nextEpochContext } from "ts-mls/clientState.js";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { fromHex, toHex } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import {
  type GroupAppFrame,
  GroupAppFrameSchema,
  GroupV1MessageSchema,
} from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { SdsMessageSchema } from "../../wire/gen/logoschat/sds/sds_pb.js";
import type { GroupEffect, HeldReason } from "./effects.js";
import { GroupError, RosterRefusedError } from "./errors.js";
import { epochId, type RosterEntry, roster } from "./mls.js";
import type { Orphan } from "./orphans.js";
import { reconcile } from "./reconcile.js";
import { type NodeInfo, pushCapped } from "./records.js";
import { maybeRecover } from "./recovery.js";
import { CAPS, type EngineContext, loadMeta, Session } from "./session.js";
import type { GroupV1Reason } from "./spec.js";

/** How one message ended: only `processed` wrote anything (held and duplicate input leaves the store as is). */
type Ingested = "processed" | "held" | "duplicate";

/** Epochs a removed member follows from one parent on the word of a clear `new_epoch_ref` (unauthenticated). */
const MAX_STATELESS_CHILDREN = 2;

/**
 * Handles one GroupV1Message (the `EncryptedPayload.plaintext.payload` of an envelope addressed to this
 * group). Rejected input yields a single `rejected` effect and writes nothing; so does input for an epoch
 * we cannot read yet (a `held` effect: it waits in memory), and a replay.
 */
export async function receive(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  groupMessage: Uint8Array,
): Promise<GroupEffect[]> {
  const meta = await loadMeta(tx, ctx.ns, cid);
  if (!meta || meta.status === "left") return [];
  const s = new Session(ctx, tx, meta);
  try {
    // Replays and own echoes (common: history fetches, relays) cost one hash and write nothing.
    if (await alreadyHandled(s, groupMessage)) return [];
    // Nothing authenticated happened: the step's effects (held, evictions, a history fetch) but no write.
    if ((await ingest(s, groupMessage)) !== "processed") return s.effects;
    await reconcile(s);
    return s.flush();
  } catch (e) {
    return [{ kind: "rejected", conversationId: cid, reason: receiveReason(e) }];
  }
}

async function alreadyHandled(s: Session, payload: Uint8Array): Promise<boolean> {
  const hash = s.ctx.shortHash(payload);
  return s.ctx.orphans.has(s.cid, hash) || (await replayed(s, hash));
}

/** Our own echo, or a message or commit already processed. */
async function replayed(s: Session, hash: string): Promise<boolean> {
  return (await s.echoes.has(hash)) || (await s.processed.has(hash));
}

async function ingest(s: Session, payload: Uint8Array): Promise<Ingested> {
  const ctx = s.ctx;
  const hash = ctx.shortHash(payload);
  // Own echoes and replays (history fetches, duplicates) are skipped before any decryption.
  if (await replayed(s, hash)) return "duplicate";
  let ref: string;
  let newRef: string;
  let pm: PrivateMessage;
  let mlsBytes: Uint8Array;
  try {
    const gm = fromBinary(GroupV1MessageSchema, payload);
    const m = decodeMlsMessage(gm.mlsMessage, 0);
    if (!m || m[1] !== gm.mlsMessage.length || m[0].wireformat !== "mls_private_message") throw new Error();
    ref = toHex(gm.epochRef);
    newRef = gm.newEpochRef.length === 16 ? toHex(gm.newEpochRef) : "";
    pm = m[0].privateMessage;
    mlsBytes = gm.mlsMessage;
  } catch {
    throw new GroupError("bad-message", "not a GroupV1 message");
  }
  if (toHex(pm.groupId) !== s.cid) throw new GroupError("bad-message", "message of another group");
  const node = s.node(ref);
  if (!node) {
    orphan(s, ref, pm.epoch, payload, hash, true);
    return "held";
  }
  if (node.removed) {
    // A commit built on an epoch we cannot read (it removed us, or lies past such an epoch): the epoch it
    // creates, named by `new_epoch_ref`, joins the tree without state, so we follow that branch in the fork
    // choice with the same ids as its members. (Older senders do not name it: a placeholder stands for it.)
    let followed = false;
    if (pm.contentType === "commit" && pm.epoch === node.epoch) {
      const id = newRef || ctx.shortHash(fromHex(`ff${node.id}`)!);
      if (!s.node(id) && statelessChildren(s, node.id) < MAX_STATELESS_CHILDREN) {
        s.addNode({ id, parent: node.id, epoch: node.epoch + 1n, removed: true, committer: "" });
        await adoptOrphans(s, id);
        followed = true;
      }
    }
    // Kept like an orphan: if a Welcome gives us this epoch's state (a re-add), it is processed then.
    orphan(s, ref, pm.epoch, payload, hash, false);
    return followed ? "processed" : "held";
  }
  if (pm.epoch !== node.epoch) throw new GroupError("bad-message", "epoch mismatch");
  if (pm.contentType === "commit") {
    if (!(await ingestCommit(s, node, pm, ctx.shortHash(mlsBytes)))) return "duplicate";
  } else if (pm.contentType === "application") await ingestApplication(s, node, pm);
  else throw new GroupError("bad-message", "proposals are not used by GroupV1");
  await s.processed.add(hash);
  s.meta.lastActivity = ctx.now();
  ctx.orphans.delete(s.cid, hash);
  return "processed";
}

/** Epochs known only from a clear `new_epoch_ref` under `parent`: few, since nothing authenticates them. */
function statelessChildren(s: Session, parent: string): number {
  return s.meta.nodes.filter((n) => n.parent === parent && n.removed && n.committer === "").length;
}

/**
 * Keeps a message for an epoch we cannot read yet in the memory buffer, if plausible: not final, at most
 * `maxEpochsAhead` above our head, not larger than a delivery message. Emits `held` with the outcome.
 * `unknown`: its epoch is not in our tree at all (not merely one we cannot read).
 */
function orphan(s: Session, ref: string, epoch: bigint, payload: Uint8Array, hash: string, unknown: boolean): void {
  const ctx = s.ctx;
  const head = s.node(s.meta.head);
  const limits = ctx.orphans.limits;
  const plausible =
    payload.length <= limits.maxPayloadBytes &&
    (!head || (epoch + BigInt(ctx.finality) >= head.epoch && epoch <= head.epoch + BigInt(limits.maxEpochsAhead)));
  const reason: HeldReason = !plausible ? "epoch-implausible" : unknown ? "epoch-unknown" : "epoch-unreadable";
  s.emit({ kind: "held", conversationId: s.cid, reason });
  if (!plausible) return;
  const now = ctx.now();
  const o: Orphan = { ref, epoch, hash, payload: payload.slice(), arrived: now, stuckSince: now };
  s.reportEvictions(ctx.orphans.add(s.cid, o));
  // Above our head, or an unknown epoch as high as it (a competing commit we missed, which may win the fork
  // choice even when our head says we were removed): fetch the history that holds that commit.
  if (!head || epoch > head.epoch || (unknown && epoch === head.epoch)) maybeRecover(s);
}

/** False when the commit was already processed (under another wrapper): nothing to do or write. */
async function ingestCommit(s: Session, parent: NodeInfo, pm: PrivateMessage, commitHash: string): Promise<boolean> {
  const ctx = s.ctx;
  if (await s.processed.has(commitHash)) return false;
  const parentState = await s.state(parent.id);
  let committerLeaf: number | undefined;
  let result: Awaited<ReturnType<typeof processPrivateMessage>>;
  try {
    result = await processPrivateMessage(parentState, pm, emptyPskIndex, ctx.suite, (incoming) => {
      if (incoming.kind === "commit") committerLeaf = incoming.senderLeafIndex;
      return incoming.kind === "commit" ? "accept" : "reject";
    });
  } catch {
    throw new GroupError("bad-message", "commit rejected by MLS");
  }
  if (result.kind !== "newState") throw new GroupError("bad-message", "expected a commit");
  const next = result.newState;
  const removed = next.groupActiveState.kind === "removedFromGroup";
  const id = removed ? await removedEpochId(ctx, parentState, pm) : epochId(ctx.crypto, next);
  // The roster rule of a type built on the engine (profile.ts); a member the commit removes cannot read the
  // new roster, and needs none.
  const guard = ctx.profile.guard;
  const refusal = guard && !removed ? await guard.check(s.guardStore(), parentState, next, committerLeaf) : undefined;
  if (refusal) throw new RosterRefusedError(refusal);
  await s.processed.add(commitHash);
  const known = s.node(id);
  // A known epoch is only updated when we can now read one we knew without state (after a re-add).
  if (known && !(known.removed && !removed)) return true;
  const before = roster(parentState);
  const committer = before.find((r) => r.leafIndex === committerLeaf)?.identity ?? "";
  const epoch = parent.epoch + 1n;
  if (known) s.reviveNode(id, committer, next);
  else s.addNode({ id, parent: parent.id, epoch, removed, committer }, removed ? undefined : next);
  confirm(s, committer);
  await adoptOrphans(s, id);
  return true;
}

/**
 * A member removed by a commit cannot derive the next epoch, so ts-mls leaves its context unchanged; the
 * epoch id (what the fork choice compares) only needs the next confirmed transcript hash, which is computed
 * from public data of the commit exactly as the remaining members compute it.
 */
async function removedEpochId(ctx: EngineContext, parent: ClientState, pm: PrivateMessage): Promise<string> {
  const u = await unprotect(ctx, parent, pm);
  if (u.content.content.contentType !== "commit") throw new GroupError("bad-message", "expected a commit");
  const nextContext = await nextEpochContext(
    parent.groupContext,
    "mls_private_message",
    u.content.content,
    u.content.auth.signature,
    parent.groupContext.treeHash,
    parent.confirmationTag,
    ctx.suite.hash,
  );
  return epochId(ctx.crypto, { ...parent, groupContext: nextContext });
}

/** Decrypts a PrivateMessage of `state`'s epoch (its content and the secret tree after it). */
function unprotect(ctx: EngineContext, state: ClientState, pm: PrivateMessage) {
  return unprotectPrivateMessage(
    state.keySchedule.senderDataSecret,
    pm,
    state.secretTree,
    state.ratchetTree,
    state.groupContext,
    state.clientConfig.keyRetentionConfig,
    ctx.suite,
  );
}

/**
 * Processes what waited for epoch `id`, now readable. If orphans were evicted unread before, they may have
 * been for it: one history fetch from the earliest of them brings genuine ones back.
 */
export async function adoptOrphans(s: Session, id: string): Promise<void> {
  const ctx = s.ctx;
  const waiting = ctx.orphans.take(s.cid, id);
  const lostSince = ctx.orphans.takeLostSince(s.cid);
  if (lostSince !== undefined) {
    const now = ctx.now();
    s.meta.lastRecovery = now;
    ctx.heldRecovery.set(s.cid, now);
    const since = lostSince - 2 * ctx.recoveryInterval;
    s.emit({ kind: "fetch-history", conversationId: s.cid, contentTopic: ctx.contentTopic(s.cid), since });
  }
  // In arrival order: an app message never depends on a commit of its own epoch, and commits may unlock
  // further orphans.
  for (const o of waiting) {
    try {
      await ingest(s, o.payload);
    } catch {
      // A bad orphan is dropped; it must not poison the message that unlocked it.
    }
  }
}

async function ingestApplication(s: Session, node: NodeInfo, pm: PrivateMessage): Promise<void> {
  const ctx = s.ctx;
  const state = await s.state(node.id);
  let sender: RosterEntry | undefined;
  let data: Uint8Array;
  try {
    const u = await unprotect(ctx, state, pm);
    const content = u.content.content;
    if (content.contentType !== "application" || content.sender.senderType !== "member") throw new Error();
    const leaf = content.sender.leafIndex;
    sender = roster(state).find((r) => r.leafIndex === leaf);
    data = content.applicationData;
    s.setState(node.id, { ...state, secretTree: u.tree });
  } catch {
    throw new GroupError("bad-message", "application message does not decrypt");
  }
  if (!sender) throw new GroupError("bad-message", "unknown sender");
  const refused = await ctx.profile.guard?.checkSender?.(s.guardStore(), state, sender.leafIndex);
  if (refused) throw new RosterRefusedError(refused);
  let sds: ReturnType<typeof fromBinary<typeof SdsMessageSchema>>;
  let frame: GroupAppFrame;
  try {
    sds = fromBinary(SdsMessageSchema, data);
    frame = fromBinary(GroupAppFrameSchema, sds.content ?? new Uint8Array());
  } catch {
    throw new GroupError("bad-message", "undecodable application frame");
  }
  // Attribution comes from the MLS leaf; the SDS fields must agree with it or the frame is forged/moved.
  if (sds.senderId !== sender.identity || sds.channelId !== s.cid || !/^[0-9a-f]{32}$/.test(sds.messageId))
    throw new GroupError("bad-message", "application frame does not match its MLS sender or group");
  confirm(s, sender.identity);
  if (await s.seen.has(sds.messageId)) return;
  await s.seen.add(sds.messageId);
  pushCapped(s.meta.recent, sds.messageId, CAPS.recent);
  s.meta.missing = s.meta.missing.filter((m) => m.id !== sds.messageId);
  s.meta.lamport = Math.max(s.meta.lamport, Number(sds.lamportTimestamp ?? 0n));
  for (const h of sds.causalHistory)
    if (!s.meta.missing.some((m) => m.id === h.messageId) && !(await s.seen.has(h.messageId)))
      pushCapped(s.meta.missing, { id: h.messageId, since: ctx.now() }, CAPS.missing);
  switch (frame.frameType.case) {
    case "content":
      s.emit({
        kind: "message",
        conversationId: s.cid,
        messageId: sds.messageId,
        sender: sender.identity,
        content: frame.frameType.value,
        timestamp: Number(frame.timestamp),
        epoch: node.epoch,
      });
      break;
    case "joined":
      s.emit({ kind: "members-changed", conversationId: s.cid });
      break;
    case "leaveRequest":
      if (!s.meta.leaving.some((l) => l.identity === sender.identity))
        s.meta.leaving.push({
          identity: sender.identity,
          since: ctx.now(),
          key: toHex(sender.signaturePublicKey),
        });
      break;
    default:
      break; // unknown frame types from newer versions are ignored
  }
}

/** A member that sent something (or committed) has processed its Welcome: no longer pending. */
function confirm(s: Session, identity: string): void {
  if (identity && !s.meta.confirmed.includes(identity)) {
    s.meta.confirmed.push(identity);
    s.emit({ kind: "members-changed", conversationId: s.cid });
  }
}

/**
 * How a rejected topic message is reported (`Client.ingest`): "bad-message", the one refusal of GroupV1's
 * decoding tree, for anything about the message; the framework's "internal-error" when our own state failed.
 */
function receiveReason(e: unknown): GroupV1Reason | "internal-error" | string {
  if (e instanceof RosterRefusedError) return e.refusal;
  return e instanceof GroupError && e.code !== "bad-message" ? "internal-error" : "bad-message";
}
