/**
 * Intents: the changes this member wants in the group (add, remove, re-add, rename), kept until the epoch
 * where they took effect is final, and pending again whenever that epoch leaves the canonical chain
 * (docs/GROUPS.md, "Making the losers' work land").
 */
import type { ClientState } from "ts-mls";
import { decodeKeyPackage } from "ts-mls/keyPackage.js";
import { fromHex, toHex } from "../../base/bytes.js";
import { canonicalChain } from "./fork-choice.js";
import { decodeMetadata, METADATA_EXTENSION_TYPE } from "./metadata.js";
import { type RosterEntry, suiteId } from "./mls.js";
import { control } from "./outbound.js";
import type { Intent, IntentBody, NodeInfo } from "./records.js";
import type { Session } from "./session.js";

/**
 * Records a membership change: the newest intent about a member replaces every older one about it, so a
 * member removed (or who left) and added again is not held back by the finished removal, nor by the add
 * that brought it in the first time (both stay until final, and would otherwise swallow the new request).
 */
export function setIntent(s: Session, intent: Extract<IntentBody, { kind: "add" | "remove" }>): void {
  s.meta.intents = s.meta.intents.filter((i) => i.kind === "metadata" || i.identity !== intent.identity);
  s.meta.intents.push(intent);
}

/** Add intents for `identities`, each waiting for the key package asked for over the pairwise conversation. */
export function requestKeyPackages(s: Session, identities: string[]): void {
  const ctx = s.ctx;
  for (const identity of identities) {
    const pending = (i: Intent) => i.kind === "add" && i.identity === identity && i.satisfiedAt === undefined;
    if (identity === ctx.self || s.meta.intents.some(pending)) continue;
    const requestId = `${s.cid}:${toHex(ctx.random(8))}`;
    setIntent(s, { kind: "add", identity, requestId, since: ctx.now() });
    control(s, identity, {
      case: "keyPackageRequest",
      value: { requestId, conversationId: s.cid, cipherSuite: suiteId(ctx.suiteName) },
    });
  }
}

/** Turns leave requests into removal intents: at once for the designated member, after the failover for all. */
export function adoptLeaves(s: Session, ros: RosterEntry[]): void {
  const now = s.ctx.now();
  // A leave request is void once the leaf that sent it is gone (a request that arrives late, after its sender
  // was removed and added again, must not remove the new leaf).
  s.meta.leaving = s.meta.leaving.filter((l) =>
    ros.some((r) => r.identity === l.identity && (l.key === undefined || toHex(r.signaturePublicKey) === l.key)),
  );
  for (const l of s.meta.leaving) {
    const pending = (i: Intent) => i.kind === "remove" && i.identity === l.identity && i.satisfiedAt === undefined;
    if (s.meta.intents.some(pending)) continue;
    const designated = ros.filter((r) => r.identity !== l.identity).sort((a, b) => a.leafIndex - b.leafIndex)[0];
    if (designated?.identity === s.ctx.self || now - l.since >= s.ctx.leaveFailover)
      setIntent(s, { kind: "remove", identity: l.identity, since: now });
  }
}

/**
 * An intent is done while the epoch where it took effect stays on the canonical chain, and forgotten once
 * that epoch is final. If that branch loses, the intent is pending again and will be re-committed.
 */
export function trackIntents(s: Session, head: NodeInfo, ros: RosterEntry[], state: ClientState): void {
  const chain = canonicalChain(s.meta.nodes, head.id);
  const floor = head.epoch - BigInt(s.ctx.finality);
  s.meta.intents = s.meta.intents.flatMap((i): Intent[] => {
    if (i.satisfiedAt !== undefined && chain.has(i.satisfiedAt)) return i.satisfiedEpoch! < floor ? [] : [i];
    if (satisfied(i, ros, state)) return [{ ...i, satisfiedAt: head.id, satisfiedEpoch: head.epoch }];
    return [{ ...i, satisfiedAt: undefined, satisfiedEpoch: undefined }];
  });
}

function satisfied(i: Intent, ros: RosterEntry[], state: ClientState): boolean {
  switch (i.kind) {
    case "add":
      return ros.some((r) => r.identity === i.identity);
    case "remove":
      return !ros.some((r) => r.identity === i.identity);
    case "readd": {
      // Several members may answer the same member's requests, each with another key package: whichever
      // fresh leaf lands first ends them all. Holding out for our own would remove and re-add it again, and
      // the others theirs, without end; and a removal meanwhile is not ours to undo.
      if (i.staleKey !== undefined) {
        const leaf = ros.find((r) => r.identity === i.identity);
        return !leaf || toHex(leaf.signaturePublicKey) !== i.staleKey;
      }
      const kp = decodeKeyPackage(fromHex(i.keyPackage)!, 0)?.[0];
      return (
        !kp ||
        ros.some((r) => r.identity === i.identity && sameBytes(r.signaturePublicKey, kp.leafNode.signaturePublicKey))
      );
    }
    case "metadata": {
      const ext = state.groupContext.extensions.find((e) => e.extensionType === METADATA_EXTENSION_TYPE);
      const m = ext && decodeMetadata(ext.extensionData);
      return m?.name === i.name && m.description === i.description;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
