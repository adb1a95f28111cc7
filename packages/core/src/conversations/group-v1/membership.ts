/**
 * The member's own commands: create a group, invite or add members, remove them, rename, leave, send. Each
 * records an intent (intents.ts) or an outbox entry and lets reconcile commit it on the head.
 */
import { createGroup as createMlsGroup, type Extension } from "ts-mls";
import { encodeKeyPackage } from "ts-mls/keyPackage.js";
import { concatBytes, toHex } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import { conversationIdFromGroupId, GROUP_ID_BYTES } from "./address.js";
import type { GroupEffect } from "./effects.js";
import { GroupError } from "./errors.js";
import { requestKeyPackages, setIntent } from "./intents.js";
import { checkKeyPackage, createKeyPackage, identityOfKeyPackage, takeOwnKeyPackage } from "./key-packages.js";
import { encodeMetadata, type GroupMetadata, METADATA_EXTENSION_TYPE } from "./metadata.js";
import { epochId, type RosterEntry } from "./mls.js";
import { sendFrame } from "./outbound.js";
import { dropOutbox, reconcile } from "./reconcile.js";
import { activeSession, type EngineContext, newMeta, Session } from "./session.js";

export interface CreateGroupInput {
  name?: string;
  description?: string;
  keyPackages?: Uint8Array[];
  invite?: string[];
}

/**
 * Creates a group. Members whose key packages are given are added in the group's first commit; for
 * `invite` identities a key package is requested over the pairwise conversation first, and all of them
 * are added together in ONE commit once their key packages arrive (or after keyPackageTimeoutMs).
 */
export async function createGroup(
  ctx: EngineContext,
  tx: TransactionView,
  input: CreateGroupInput,
): Promise<{ conversationId: string; effects: GroupEffect[] }> {
  const kps = await Promise.all((input.keyPackages ?? []).map((b) => checkKeyPackage(ctx, b)));
  const inviteCount = new Set([...(input.invite ?? []), ...kps.map((k) => identityOfKeyPackage(k))]).size;
  if (inviteCount + 1 > ctx.maxMembers) throw new GroupError("too-many-members", "group would exceed maxMembers");
  const groupId = concatBytes(ctx.profile.groupIdTag, ctx.random(GROUP_ID_BYTES));
  const cid = conversationIdFromGroupId(groupId);
  const ownKp = await createKeyPackage(ctx, tx);
  const own = await takeOwnKeyPackage(ctx, tx, ownKp);
  const meta = newMeta(ctx, cid);
  const s = new Session(ctx, tx, meta);
  const extensions: Extension[] = [
    {
      extensionType: METADATA_EXTENSION_TYPE,
      extensionData: encodeMetadata({ name: input.name ?? "", description: input.description ?? "" }),
    },
  ];
  const guard = ctx.profile.guard;
  const ownCredential = own.publicPackage.leafNode.credential;
  if (guard && ownCredential.credentialType === "basic")
    extensions.push(...(await guard.extensions(s.guardStore(), [ownCredential.identity])));
  const state = await createMlsGroup(groupId, own.publicPackage, own.privatePackage, extensions, ctx.suite, ctx.config);
  const id = epochId(ctx.crypto, state);
  s.addNode({ id, parent: "", epoch: state.groupContext.epoch, removed: false, committer: ctx.self }, state);
  meta.head = id;
  const now = ctx.now();
  for (const kp of kps)
    meta.intents.push({
      kind: "add",
      identity: identityOfKeyPackage(kp),
      requestId: "",
      keyPackage: toHex(encodeKeyPackage(kp)),
      since: now,
    });
  requestKeyPackages(s, input.invite ?? []);
  s.emit({ kind: "subscribe", conversationId: cid, contentTopic: ctx.contentTopic(cid) });
  await reconcile(s);
  return { conversationId: cid, effects: s.flush() };
}

/** Invites identities: requests their key packages over the pairwise conversations, then adds them. */
export async function invite(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  identities: string[],
): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, cid);
  const ros = await s.headRoster();
  refuseMembers(ros, identities);
  checkCapacity(s, ros, identities.length);
  requestKeyPackages(s, identities);
  await reconcile(s);
  return s.flush();
}

/** Adds members whose key packages the caller already holds, in one commit. */
export async function addMembers(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  keyPackages: Uint8Array[],
): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, cid);
  const kps = await Promise.all(keyPackages.map((b) => checkKeyPackage(ctx, b)));
  const ros = await s.headRoster();
  refuseMembers(
    ros,
    kps.map((kp) => identityOfKeyPackage(kp)),
  );
  checkCapacity(s, ros, kps.length);
  for (const kp of kps)
    setIntent(s, {
      kind: "add",
      identity: identityOfKeyPackage(kp),
      requestId: "",
      keyPackage: toHex(encodeKeyPackage(kp)),
      since: ctx.now(),
    });
  await reconcile(s);
  return s.flush();
}

export async function removeMembers(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  identities: string[],
): Promise<GroupEffect[]> {
  if (identities.includes(ctx.self)) throw new GroupError("invalid-argument", "use leave() to remove yourself");
  const s = await activeSession(ctx, tx, cid);
  for (const identity of identities) setIntent(s, { kind: "remove", identity, since: ctx.now() });
  await reconcile(s);
  return s.flush();
}

export async function setMetadata(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  meta: GroupMetadata,
): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, cid);
  s.meta.intents = s.meta.intents.filter((i) => i.kind !== "metadata");
  s.meta.intents.push({ kind: "metadata", name: meta.name, description: meta.description, since: ctx.now() });
  await reconcile(s);
  return s.flush();
}

/**
 * Leaves: asks the group (an authenticated LeaveRequest) to remove us, then forgets every epoch secret at
 * once. MLS does not let a member commit its own removal; the lowest-index other member commits it, and
 * any member does after leaveFailoverMs, the fork choice keeping those competing commits safe.
 */
export async function leave(ctx: EngineContext, tx: TransactionView, cid: string): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, cid);
  await sendFrame(s, { case: "leaveRequest", value: {} });
  s.meta.status = "left";
  s.meta.intents = [];
  await dropOutbox(
    s,
    () => true,
    (o) => o.waitingSince !== undefined,
  );
  for (const n of [...s.meta.nodes]) s.dropNode(n.id);
  s.reportEvictions(ctx.orphans.clear(cid));
  s.emit({ kind: "left", conversationId: cid });
  return s.flush();
}

/** Sends application content (an encoded ContentFrame) to the group. */
export async function send(
  ctx: EngineContext,
  tx: TransactionView,
  cid: string,
  content: Uint8Array,
): Promise<{ messageId: string; effects: GroupEffect[] }> {
  const s = await activeSession(ctx, tx, cid);
  const messageId = await sendFrame(s, { case: "content", value: content });
  return { messageId, effects: s.flush() };
}

function checkCapacity(s: Session, ros: RosterEntry[], adding: number): void {
  const invited = s.meta.intents.filter((i) => i.kind === "add").length;
  if (ros.length + invited + adding > s.ctx.maxMembers)
    throw new GroupError("too-many-members", "group would exceed maxMembers");
}

/**
 * Adding someone already in the head roster would do nothing; say so at once instead. (A member whose leave
 * is not committed yet is still in the roster: it can be added again once its removal is.)
 */
function refuseMembers(ros: RosterEntry[], identities: string[]): void {
  for (const identity of identities)
    if (ros.some((r) => r.identity === identity))
      throw new GroupError("already-a-member", "already a member of this group (at the head epoch)");
}
