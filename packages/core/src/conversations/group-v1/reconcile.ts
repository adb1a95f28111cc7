/**
 * Convergence: after every step the member moves to the fork-choice head (fork-choice.ts) and acts on it:
 * status, leave requests, re-sending application messages of losing branches (resend.ts), committing (or
 * re-committing) pending intents, and pruning what became final (docs/GROUPS.md §2).
 */
import { type ClientState, createCommit, type Extension, encodeMlsMessage, type Proposal } from "ts-mls";
import { decodeKeyPackage } from "ts-mls/keyPackage.js";
import { fromHex, toHex } from "../../base/bytes.js";
import { canonicalChain, chooseHead } from "./fork-choice.js";
import { adoptLeaves, trackIntents } from "./intents.js";
import { releaseFinalJoins } from "./key-packages.js";
import { encodeMetadata, type GroupMetadata, METADATA_EXTENSION_TYPE } from "./metadata.js";
import { epochId, ownLeafIndex, type RosterEntry, roster } from "./mls.js";
import { control, encryptAndPublish, publish } from "./outbound.js";
import type { NodeInfo, OutboxEntry } from "./records.js";
import { type ResendView, resendOutbox, waitingChanges } from "./resend.js";
import { MLS_VERSION, type Session } from "./session.js";

/**
 * Brings the member to the fork-choice head and makes it act on it: status, leave handling, re-sending
 * application messages of losing branches, committing (or re-committing) pending changes, pruning.
 * A message that starts or stops waiting (resend.ts) is reported by how it ends the step: one held and
 * released within the same step (our own removal re-committed at once) never waited for the application.
 */
export async function reconcile(s: Session): Promise<void> {
  // Only waiting entries can stop waiting, and only entries this step rewrites can start.
  const before = (await s.outbox.entries((_id, _epoch, waiting) => waiting > 0)).filter(
    (o) => o.waitingSince !== undefined,
  );
  await converge(s);
  for (const c of waitingChanges(before, s.outbox.current(before))) {
    s.emit({ kind: "delivery", conversationId: s.cid, ...c });
    // Counted from the group's last activity (due.ts): a wait that starts is activity.
    if (c.state === "waiting") s.meta.lastActivity = s.ctx.now();
  }
}

async function converge(s: Session): Promise<void> {
  for (let round = 0; round < 64; round++) {
    const head = chooseHead(s.meta.nodes);
    if (!head) return;
    if (head.id !== s.meta.head) {
      s.meta.head = head.id;
      s.emit({ kind: "members-changed", conversationId: s.cid });
    }
    if (head.removed) {
      if (s.meta.status === "active") {
        s.meta.status = "removed";
        s.meta.intents = [];
        // Messages of branches that lost can no longer be sent again: we hold no keys of the head.
        const chain = canonicalChain(s.meta.nodes, head.id);
        await dropOutbox(
          s,
          () => true,
          (o) => !chain.has(o.epochId),
        );
        s.emit({ kind: "removed", conversationId: s.cid });
      }
      await prune(s);
      return;
    }
    if (s.meta.status === "removed") s.meta.status = "active";
    if (s.meta.status !== "active") return;
    const state = await s.state(head.id);
    const ros = roster(state);
    adoptLeaves(s, ros);
    trackIntents(s, head, ros, state);
    await resendLostMessages(s, head);
    // After a commit the next round tracks intents on the new head (a child of this one) before anything
    // is pruned: pruning first could drop the epoch where an old intent was satisfied, and the intent would
    // look pending again (re-adding someone, with a key package its owner already deleted).
    if (!(await commitIntents(s, state, ros))) break;
  }
  await prune(s);
}

/**
 * Messages whose epoch left the canonical chain are encrypted again, in the same plaintext (same message id),
 * but only where nobody outside the roster they were sent to can read them (resend.ts): else they wait.
 */
async function resendLostMessages(s: Session, head: NodeInfo): Promise<void> {
  const chain = canonicalChain(s.meta.nodes, head.id);
  const lostEpoch = (epochId: string) => !chain.has(epochId);
  if (!s.outbox.any(lostEpoch)) return;
  const view: ResendView = {
    nodes: s.meta.nodes,
    head,
    roster: async (id) => {
      const n = s.node(id);
      return n && !n.removed ? new Set(roster(await s.state(id)).map((r) => r.identity)) : undefined;
    },
    removing: new Set(s.meta.intents.flatMap((i) => (i.kind === "remove" && !i.satisfiedAt ? [i.identity] : []))),
    floor: head.epoch - BigInt(s.ctx.finality),
  };
  // Only the entries of epochs off the chain can move: the others are neither read nor rewritten.
  const entries = await s.outbox.entries(lostEpoch);
  const r = await resendOutbox(entries, chain, view, s.ctx.now(), (o, epochId) =>
    encryptAndPublish(s, fromHex(o.plaintext)!, epochId),
  );
  s.outbox.replace(entries, r.outbox);
  for (const messageId of r.lost) s.emit({ kind: "delivery", conversationId: s.cid, messageId, state: "lost" });
}

/**
 * Drops the outbox entries of the epochs `epochs` selects, reporting those `lost` selects as never to be sent
 * again. Each entry is read and deleted once in its life: a step that drops many (an epoch with many messages
 * became final) pays for the sends that stored them.
 */
export async function dropOutbox(
  s: Session,
  epochs: (epochId: string, epoch: bigint, waiting: number) => boolean,
  lost: (o: OutboxEntry) => boolean,
): Promise<void> {
  if (!s.outbox.any(epochs)) return;
  const entries = await s.outbox.entries(epochs);
  for (const o of entries)
    if (lost(o)) s.emit({ kind: "delivery", conversationId: s.cid, messageId: o.messageId, state: "lost" });
  s.outbox.drop(entries);
}

/**
 * A message that has waited `removalWait` for its removal to be re-applied is given up (lost, and told so): in a
 * group that goes quiet its epoch never becomes final, and it would wait, `queued`, for ever. The remover
 * re-commits at its next step, so such a wait means it never will (it lost its intent, or left).
 */
async function giveUpWaits(s: Session): Promise<void> {
  const waiting = (_id: string, _epoch: bigint, count: number) => count > 0;
  if (!s.outbox.any(waiting)) return;
  const now = s.ctx.now();
  const expired = (await s.outbox.entries(waiting)).filter(
    (o) => o.waitingSince !== undefined && now - o.waitingSince >= s.ctx.removalWait,
  );
  for (const o of expired) s.emit({ kind: "delivery", conversationId: s.cid, messageId: o.messageId, state: "lost" });
  s.outbox.drop(expired);
}

/** Commits every pending intent in one commit on the head (adds split if it would not fit); false if none. */
async function commitIntents(s: Session, state: ClientState, ros: RosterEntry[]): Promise<boolean> {
  const ctx = s.ctx;
  const now = ctx.now();
  const pending = s.meta.intents.filter((i) => i.satisfiedAt === undefined);
  const waiting = pending.some((i) => i.kind === "add" && !i.keyPackage && now - i.since < ctx.kpTimeout);
  if (waiting) return false;
  const ownLeaf = ownLeafIndex(state);
  const proposals: Proposal[] = [];
  const added: string[] = [];
  // Plain adds can be split across several commits when one would not fit a message; the rest can not.
  const plainAdds: { identity: string; proposal: Proposal }[] = [];
  const removedLeaves = new Set<number>();
  let metadata: GroupMetadata | undefined;
  for (const i of pending) {
    if (i.kind === "add" && i.keyPackage && !plainAdds.some((a) => a.identity === i.identity)) {
      const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
      if (kp) plainAdds.push({ identity: i.identity, proposal: { proposalType: "add", add: { keyPackage: kp } } });
    } else if (i.kind === "remove" || i.kind === "readd") {
      const leaf = ros.find((r) => r.identity === i.identity)?.leafIndex;
      if (leaf !== undefined && leaf !== ownLeaf && !removedLeaves.has(leaf)) {
        proposals.push({ proposalType: "remove", remove: { removed: leaf } });
        removedLeaves.add(leaf);
      }
      if (i.kind === "readd") {
        const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
        if (kp) {
          proposals.push({ proposalType: "add", add: { keyPackage: kp } });
          added.push(i.identity);
        }
      }
    } else if (i.kind === "metadata") metadata = { name: i.name, description: i.description };
  }
  let extensions = state.groupContext.extensions;
  if (metadata) {
    extensions = extensions.filter((e) => e.extensionType !== METADATA_EXTENSION_TYPE);
    extensions.push({ extensionType: METADATA_EXTENSION_TYPE, extensionData: encodeMetadata(metadata) });
  }
  // A roster guard's extensions (AccountDirectV1's device lists) travel with the commit when they changed, or
  // alone in the next one when this one removes a member: ts-mls 1.6.4 builds an update path its receivers
  // cannot open when a commit both removes and changes the group context extensions.
  if (!proposals.some((p) => p.proposalType === "remove"))
    extensions = await guardExtensions(s, state, extensions, plainAdds);
  if (extensions !== state.groupContext.extensions)
    proposals.push({ proposalType: "group_context_extensions", groupContextExtensions: { extensions } });
  if (proposals.length === 0 && plainAdds.length === 0) return false;
  const parent = s.headNode();
  let r: Awaited<ReturnType<typeof createCommit>>;
  let commitBytes: Uint8Array;
  let take = plainAdds.length;
  for (;;) {
    try {
      r = await createCommit(
        { state, cipherSuite: ctx.suite },
        {
          extraProposals: [...proposals, ...plainAdds.slice(0, take).map((a) => a.proposal)],
          ratchetTreeExtension: true,
        },
      );
    } catch {
      // A change MLS refuses (e.g. a key package already in the tree) must not block the others forever.
      s.meta.intents = s.meta.intents.filter((i) => i.kind === "remove" || i.satisfiedAt !== undefined);
      s.emit({ kind: "rejected", conversationId: s.cid, reason: "commit-refused" });
      return false;
    }
    commitBytes = encodeMlsMessage(r.commit);
    // The commit must fit one delivery message; the adds left out are committed next, on top of this one.
    if (commitBytes.length <= ctx.maxCommitBytes || take <= 1) break;
    take = Math.ceil(take / 2);
  }
  // Our own commit obeys the roster rule its receivers apply: a change it refuses is dropped, not published.
  const refusal = await ctx.profile.guard?.check(s.guardStore(), state, r.newState, ownLeaf);
  if (refusal) {
    s.meta.intents = s.meta.intents.filter((i) => i.kind === "remove" || i.satisfiedAt !== undefined);
    s.emit({ kind: "rejected", conversationId: s.cid, reason: refusal });
    return false;
  }
  added.push(...plainAdds.slice(0, take).map((a) => a.identity));
  const next = r.newState;
  const id = epochId(ctx.crypto, next);
  s.addNode({ id, parent: parent.id, epoch: next.groupContext.epoch, removed: false, committer: ctx.self }, next);
  s.meta.head = id;
  s.meta.lastActivity = ctx.now();
  await s.processed.add(ctx.shortHash(commitBytes));
  await publish(s, parent.id, commitBytes, id);
  if (r.welcome) {
    const welcome = encodeMlsMessage({ version: MLS_VERSION, wireformat: "mls_welcome", welcome: r.welcome });
    for (const identity of added) {
      s.meta.confirmed = s.meta.confirmed.filter((c) => c !== identity);
      control(s, identity, { case: "welcome", value: { welcome, conversationId: s.cid } });
    }
  }
  s.emit({ kind: "members-changed", conversationId: s.cid });
  return true;
}

/**
 * `extensions` with the guard's own replaced by what the guard wants for the members after the commit (the
 * head's and those added); the same array when nothing changes or the profile has no guard.
 */
async function guardExtensions(
  s: Session,
  state: ClientState,
  extensions: Extension[],
  adds: readonly { proposal: Proposal }[],
): Promise<Extension[]> {
  const guard = s.ctx.profile.guard;
  if (!guard) return extensions;
  const credentials: Uint8Array[] = [];
  for (const node of state.ratchetTree)
    if (node?.nodeType === "leaf" && node.leaf.credential.credentialType === "basic")
      credentials.push(node.leaf.credential.identity);
  for (const a of adds) {
    const cred = a.proposal.proposalType === "add" ? a.proposal.add.keyPackage.leafNode.credential : undefined;
    if (cred?.credentialType === "basic") credentials.push(cred.identity);
  }
  const own = await guard.extensions(s.guardStore(), credentials);
  const types = new Set(own.map((e) => e.extensionType));
  const next = [...extensions.filter((e) => !types.has(e.extensionType)), ...own];
  const same =
    next.length === extensions.length &&
    next.every((e) =>
      extensions.some((o) => o.extensionType === e.extensionType && toHex(o.extensionData) === toHex(e.extensionData)),
    );
  return same ? extensions : next;
}

/** Drops what is final: epoch states (forward secrecy), orphans, outbox entries and used key packages. */
async function prune(s: Session): Promise<void> {
  const head = s.node(s.meta.head);
  if (!head) return;
  const floor = head.epoch - BigInt(s.ctx.finality);
  for (const n of [...s.meta.nodes]) if (n.epoch < floor && n.id !== head.id) s.dropNode(n.id);
  // A final epoch can never be the head again: its Joined announcement need not be remembered.
  s.meta.announced = s.meta.announced.filter((id) => s.node(id));
  s.reportEvictions(s.ctx.orphans.sweep(s.cid, s.ctx.now(), floor));
  // A message still waiting when its epoch becomes final waited in vain (its remover never re-committed).
  await dropOutbox(
    s,
    (_id, epoch) => epoch < floor,
    (o) => o.waitingSince !== undefined,
  );
  await giveUpWaits(s);
  // Key packages used to join become useless once the join is final: every join with it.
  const joins = releaseFinalJoins(s.meta.keyPackageJoins, floor);
  s.meta.keyPackageJoins = joins.kept;
  for (const ref of joins.released) s.usedKeyPackages.add(ref);
}
