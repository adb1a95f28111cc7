/**
 * Control frames over the pairwise (PrivateV1) conversations, which authenticate their sender: key-package
 * requests and responses, Welcomes (joining a group, or re-joining one we were removed from) and
 * re-welcome requests from members stuck behind a gap.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type ClientState, decodeMlsMessage, type Welcome } from "ts-mls";
import { encodeKeyPackage } from "ts-mls/keyPackage.js";
import { toHex } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import { type GroupControlFrame, GroupControlFrameSchema } from "../../wire/gen/logoschat/group/group_v1_pb.js";
import type { GroupEffect } from "./effects.js";
import { GroupError, RosterRefusedError, refusalCode } from "./errors.js";
import { adoptOrphans } from "./inbound.js";
import { joinFromWelcome } from "./join.js";
import { checkKeyPackage, createKeyPackage, decodeOwnKeyPackage } from "./key-packages.js";
import { epochId, roster, suiteId } from "./mls.js";
import { controlEffect, sendFrame } from "./outbound.js";
import { reconcile } from "./reconcile.js";
import type { Intent } from "./records.js";
import { maybeRecover } from "./recovery.js";
import { activeSession, type EngineContext, loadMeta, newMeta, Session } from "./session.js";

/**
 * Handles a GroupControlFrame that arrived over the pairwise conversation with `from` (identity hex; the
 * pairwise channel authenticates it). Returns effects; a bad frame yields `rejected` and writes nothing.
 */
export async function receiveControl(
  ctx: EngineContext,
  tx: TransactionView,
  from: string,
  frame: Uint8Array,
): Promise<GroupEffect[]> {
  let control: GroupControlFrame["control"];
  try {
    control = fromBinary(GroupControlFrameSchema, frame).control;
  } catch {
    return [{ kind: "rejected", conversationId: "", reason: "bad-message" }];
  }
  try {
    switch (control.case) {
      case "keyPackageRequest":
        return await onKeyPackageRequest(ctx, tx, from, control.value.requestId, control.value.cipherSuite);
      case "keyPackageResponse":
        return await onKeyPackageResponse(ctx, tx, from, control.value.requestId, control.value.keyPackage);
      case "welcome":
        return await onWelcome(ctx, tx, from, control.value.welcome, control.value.conversationId);
      case "rewelcomeRequest":
        return await onRewelcomeRequest(ctx, tx, from, control.value.conversationId, control.value.keyPackage);
      default:
        return [];
    }
  } catch (e) {
    return [{ kind: "rejected", conversationId: "", reason: refusalCode(e) }];
  }
}

async function onKeyPackageRequest(
  ctx: EngineContext,
  tx: TransactionView,
  from: string,
  requestId: string,
  suite: number,
): Promise<GroupEffect[]> {
  if (suite !== suiteId(ctx.suiteName)) throw new GroupError("bad-key-package", "unsupported ciphersuite");
  const keyPackage = await createKeyPackage(ctx, tx);
  return [
    controlEffect(groupOfRequest(requestId), from, { case: "keyPackageResponse", value: { requestId, keyPackage } }),
  ];
}

async function onKeyPackageResponse(
  ctx: EngineContext,
  tx: TransactionView,
  from: string,
  requestId: string,
  bytes: Uint8Array,
): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, groupOfRequest(requestId));
  const idx = s.meta.intents.findIndex((i) => i.kind === "add" && i.requestId === requestId && i.identity === from);
  if (idx < 0) return [];
  const kp = await checkKeyPackage(ctx, bytes, from);
  const intent = s.meta.intents[idx] as Extract<Intent, { kind: "add" }>;
  s.meta.intents[idx] = { ...intent, keyPackage: toHex(encodeKeyPackage(kp)) };
  await reconcile(s);
  return s.flush();
}

async function onWelcome(
  ctx: EngineContext,
  tx: TransactionView,
  from: string,
  bytes: Uint8Array,
  claimedCid: string,
): Promise<GroupEffect[]> {
  let welcome: Welcome | undefined;
  try {
    const m = decodeMlsMessage(bytes, 0);
    if (m && m[1] === bytes.length && m[0].wireformat === "mls_welcome") welcome = m[0].welcome;
  } catch {
    welcome = undefined;
  }
  if (!welcome) throw new GroupError("bad-message", "not an MLS welcome");
  const refs = new Set(welcome.secrets.map((x) => toHex(x.newMember)));
  const mine = (await tx.scan(ctx.ns.kp)).find((e) => refs.has(e.key));
  if (!mine) throw new GroupError("bad-message", "welcome is not for any of our key packages");
  const own = decodeOwnKeyPackage(mine.value);
  let state: ClientState;
  try {
    state = await joinFromWelcome(welcome, own.publicPackage, own.privatePackage, ctx.suite, ctx.config);
  } catch {
    throw new GroupError("bad-message", "welcome rejected by MLS");
  }
  const cid = toHex(state.groupContext.groupId);
  if (cid !== claimedCid) throw new GroupError("bad-message", "welcome names another group");
  if (!roster(state).some((r) => r.identity === from)) throw new GroupError("bad-message", "welcome from a non-member");
  const stored = await loadMeta(tx, ctx.ns, cid);
  const fresh = !stored || stored.status === "left";
  const meta = fresh ? newMeta(ctx, cid) : stored;
  const s = new Session(ctx, tx, meta);
  const id = epochId(ctx.crypto, state);
  const known = s.node(id);
  if (known && !known.removed) return [];
  const refusal = await ctx.profile.guard?.check(s.guardStore(), undefined, state, undefined);
  if (refusal) throw new RosterRefusedError(refusal);
  // Members already in the group when we joined are taken as members; later additions are pending.
  for (const r of roster(state)) if (!meta.confirmed.includes(r.identity)) meta.confirmed.push(r.identity);
  // An epoch we knew without state (the commit that re-added us also removed our old leaf, or we followed
  // the branch after our removal) keeps its place in the tree; otherwise the Welcome is a new root.
  if (known) s.reviveNode(id, from, state);
  else s.addNode({ id, parent: "", epoch: state.groupContext.epoch, removed: false, committer: from }, state);
  // The key package stays until this join is final: a re-sent Welcome (fork resolution) may reuse it.
  meta.keyPackageJoins.push({ ref: mine.key, epoch: state.groupContext.epoch });
  if (fresh) s.emit({ kind: "subscribe", conversationId: cid, contentTopic: ctx.contentTopic(cid) });
  // Commits made between the Welcome and our subscription were published before we listened: fetch them.
  s.meta.lastRecovery = 0;
  maybeRecover(s);
  await adoptOrphans(s, id);
  await reconcile(s);
  if (s.meta.head === id && !s.meta.announced.includes(id)) {
    s.meta.announced.push(id);
    await sendFrame(s, { case: "joined", value: { epoch: state.groupContext.epoch } });
    s.emit({ kind: "joined", conversationId: cid, contentTopic: ctx.contentTopic(cid) });
  }
  return s.flush();
}

/** Key-package request ids are `<conversation id>:<random>` (intents.ts, requestKeyPackages). */
function groupOfRequest(requestId: string): string {
  return requestId.split(":")[0] ?? "";
}

async function onRewelcomeRequest(
  ctx: EngineContext,
  tx: TransactionView,
  from: string,
  cid: string,
  bytes: Uint8Array,
): Promise<GroupEffect[]> {
  const s = await activeSession(ctx, tx, cid);
  const kp = await checkKeyPackage(ctx, bytes, from);
  const stale = (await s.headRoster()).find((r) => r.identity === from);
  if (!stale) return [];
  s.meta.intents = s.meta.intents.filter((i) => !(i.kind === "readd" && i.identity === from));
  s.meta.intents.push({
    kind: "readd",
    identity: from,
    keyPackage: toHex(encodeKeyPackage(kp)),
    since: ctx.now(),
    staleKey: toHex(stale.signaturePublicKey),
  });
  await reconcile(s);
  return s.flush();
}
