/**
 * GroupV1 as a registered conversation type: its runtime wraps the `GroupV1Engine` (MLS, fork choice,
 * recovery) and speaks the framework's lifecycle. Its state spans many records of its own namespaces (epochs,
 * key packages), so it receives transactionally (`receive`) rather than through the pure `open`. Its
 * framework state record holds only when the group is next due (due.ts): the sweep wakes it then, not on
 * every sweep.
 */
import { LifecycleError } from "../../framework/errors.js";
import type { Command, Effect, StepContext, TypeLifecycle } from "../../framework/lifecycle.js";
import type { ConversationRef, ConversationTypeRuntime } from "../../framework/runtime.js";
import type { TransactionView } from "../../framework/store.js";
import { GroupControlFrameSchema } from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { fromBinary } from "../../wire/index.js";
import { decodeDueState, encodeDueState, type GroupDueState } from "./due-state.js";
import type { GroupEffect } from "./effects.js";
import { GroupV1Engine, type GroupV1Options } from "./engine.js";
import { BY_ME, BY_PEER, type GroupOrigin, groupEffects, groupRef } from "./outcome.js";
import { IDS_NS, KP_NS, NS, OUTBOX_NS } from "./records.js";
import { groupV1Spec } from "./spec.js";

export type GroupV1Runtime = ConversationTypeRuntime<GroupDueState | undefined, never> & {
  readonly engine: GroupV1Engine;
};

/**
 * Whether a GroupControlFrame makes the receiver create state: a key-package request (a new key package
 * stored), a welcome (a group joined) or a re-welcome request (a commit). Undecodable frames are not
 * counted: the engine rejects them without storing anything.
 */
export function controlCreatesState(frame: Uint8Array): boolean {
  let kind: string | undefined;
  try {
    kind = fromBinary(GroupControlFrameSchema, frame).control.case;
  } catch {
    return false;
  }
  return kind === "keyPackageRequest" || kind === "welcome" || kind === "rewelcomeRequest";
}

/** A view that notices whether a step wrote anything (a replay or an own echo writes nothing). */
class WriteCount implements TransactionView {
  writes = 0;
  constructor(private readonly view: TransactionView) {}
  get(ns: string, key: string) {
    return this.view.get(ns, key);
  }
  scan(ns: string, options?: Parameters<TransactionView["scan"]>[1]) {
    return this.view.scan(ns, options);
  }
  put(ns: string, key: string, value: Uint8Array): void {
    this.writes++;
    this.view.put(ns, key, value);
  }
  delete(ns: string, key: string): void {
    this.writes++;
    this.view.delete(ns, key);
  }
}

export async function createGroupV1Runtime(options: GroupV1Options): Promise<GroupV1Runtime> {
  const engine = await GroupV1Engine.create(options);
  return {
    spec: groupV1Spec,
    engine,
    // Never called: the decoder hands GroupV1 payloads to `receive`.
    open: () => ({ ok: false, reason: "bad-message" }),
    encodeState: encodeGroupDueState,
    decodeState: decodeDueState,
    lifecycle: engineLifecycle(engine),
  };
}

/** The framework state of a group: when it is next due (a type built on the engine encodes it the same way). */
export const encodeGroupDueState = (state: GroupDueState | undefined): Uint8Array => encodeDueState(state ?? { at: 0 });

/** What a type built on the engine adds to GroupV1's lifecycle (extension.ts). */
export interface EngineHooks {
  /**
   * A wake's work on one group in place of `tick` alone, in the wake's transaction (AccountDirectV1 also keeps
   * the roster equal to its device lists); the due times its steps note are kept as tick's are.
   */
  readonly wake?: (tx: TransactionView, conversationId: string) => Promise<GroupEffect[]>;
}

/** Keeps, with the step, when each group it wrote is next due; true when one changed. */
export async function stageGroupDue(
  engine: GroupV1Engine,
  ctx: StepContext<GroupDueState | undefined>,
  tx: TransactionView = ctx.tx,
): Promise<boolean> {
  let changed = false;
  for (const [cid, due] of engine.dueTimes(tx)) {
    const at = due ?? Number.POSITIVE_INFINITY;
    if ((await ctx.states.get(cid))?.at === at) continue;
    ctx.states.put(groupRef(engine, cid), { at });
    changed = true;
  }
  return changed;
}

/**
 * One engine step's effects for the framework, with the due times of the groups it wrote: every step of a type
 * built on the engine ends here (a step that skipped it would leave a group with no due time, never woken).
 */
export async function stepEffects(
  engine: GroupV1Engine,
  ctx: StepContext<GroupDueState | undefined>,
  effects: readonly GroupEffect[],
  origin: GroupOrigin,
  tx: TransactionView = ctx.tx,
): Promise<Effect[]> {
  await stageGroupDue(engine, ctx, tx);
  return groupEffects(engine, ctx.tx, effects, origin);
}

/**
 * GroupV1's lifecycle over an engine; a type built on the engine (extension.ts) takes it and sets its own
 * namespaces, starts and control claim.
 */
export function engineLifecycle(
  engine: GroupV1Engine,
  hooks: EngineHooks = {},
): TypeLifecycle<GroupDueState | undefined, never> {
  const work = hooks.wake ?? ((tx: TransactionView, cid: string) => engine.tick(tx, cid));
  type Ctx = StepContext<GroupDueState | undefined>;
  const stageDue = (ctx: Ctx, tx: TransactionView) => stageGroupDue(engine, ctx, tx);
  const translate = (ctx: Ctx, effects: readonly GroupEffect[], origin: GroupOrigin, tx = ctx.tx) =>
    stepEffects(engine, ctx, effects, origin, tx);

  async function command(ctx: Ctx, ref: ConversationRef, c: Command): Promise<readonly Effect[]> {
    const tx = ctx.tx;
    const cid = ref.id;
    let effects: GroupEffect[];
    switch (c.kind) {
      case "add-members":
        effects = await engine.invite(tx, cid, [...c.members]);
        break;
      case "remove-members":
        effects = await engine.removeMembers(tx, cid, [...c.members]);
        break;
      case "leave":
        effects = await engine.leave(tx, cid);
        break;
      case "set-metadata": {
        const description = c.description ?? (await engine.summary(tx, cid)).description;
        effects = await engine.setMetadata(tx, cid, { name: c.name, description });
        break;
      }
      default:
        // Commands of groups of accounts (add-accounts, remove-accounts): the type that has them handles them.
        throw new LifecycleError("unsupported", `${engine.typeName} has no command ${c.kind}`);
    }
    return translate(ctx, effects, BY_ME);
  }

  const lifecycle: TypeLifecycle<GroupDueState | undefined, never> = {
    namespaces: [NS, KP_NS, OUTBOX_NS, IDS_NS],
    starts: ["group"],
    consumesControl: true,
    async start(ctx, request) {
      if (request.kind !== "group") throw new LifecycleError("unsupported", "GroupV1 starts groups only");
      const r = await engine.createGroup(ctx.tx, {
        name: request.name,
        description: request.description,
        invite: [...request.members],
      });
      return { value: { conversationId: r.conversationId }, effects: await translate(ctx, r.effects, BY_ME) };
    },
    async send(ctx, ref, content) {
      const r = await engine.send(ctx.tx, ref.id, content);
      const effects = await translate(ctx, r.effects, BY_ME);
      // Groups have no per-message acknowledgements: a published message is "sent", and stays so.
      const last = effects.findLastIndex((e) => e.kind === "publish" && e.conversationId === ref.id);
      const publish = effects[last];
      if (publish?.kind === "publish") effects[last] = { ...publish, markSent: [r.messageId] };
      const sent: Effect = {
        kind: "sent",
        conversationId: ref.id,
        messageId: r.messageId,
        timestamp: ctx.now,
        content,
      };
      return { value: r.messageId, effects: [sent, ...effects] };
    },
    async receive(ctx, ref, payload) {
      if (payload.encryption.case !== "plaintext")
        return { outcome: { ok: false, reason: "bad-message" }, effects: [] };
      const view = new WriteCount(ctx.tx);
      const effects = await engine.receive(view, ref.id, payload.encryption.value.payload);
      // `receive` refuses a message with exactly one `rejected` effect and no writes; a `rejected` among other
      // effects is a local commit refused while applying an accepted message (an error event, not the message's).
      const only = effects.length === 1 ? effects[0] : undefined;
      const rejected = only?.kind === "rejected" && view.writes === 0 ? only : undefined;
      // For an epoch we cannot read yet: nothing is written; only its effects run (evictions, history fetch).
      const held = effects.find((e) => e.kind === "held");
      // Nothing written: a replay, our own echo, or a group we left. Quiet, like PrivateV1 replays.
      if (!rejected && !held && view.writes === 0) return { outcome: { ok: false, reason: "replay" }, effects: [] };
      const out = await translate(ctx, effects, BY_PEER, view);
      if (rejected) return { outcome: { ok: false, reason: rejected.reason }, effects: out };
      if (held?.kind === "held") return { outcome: { ok: false, reason: held.reason }, effects: out };
      return { outcome: { ok: true }, effects: out };
    },
    async wake(ctx, ref) {
      const view = new WriteCount(ctx.tx);
      const effects = await work(view, ref.id);
      const moved = await stageDue(ctx, view);
      // Nothing was due: no commit at all.
      if (effects.length === 0 && view.writes === 0 && !moved) return undefined;
      return groupEffects(engine, ctx.tx, effects, BY_PEER);
    },
    due: (state) => (state === undefined || state.at === Number.POSITIVE_INFINITY ? undefined : state.at),
    async resume(ctx, ref) {
      // Listen on its topic, then ask its history for what was published while we were away.
      const effects = await translate(ctx, await engine.recover(ctx.tx, ref.id), BY_PEER);
      return [{ kind: "watch", ref: groupRef(engine, ref.id) }, ...effects];
    },
    command,
    async control(ctx, peer, payload) {
      const effects = await engine.receiveControl(ctx.tx, peer, payload);
      return translate(ctx, effects, { initiatedBy: "peer", from: peer });
    },
    controlCreatesState,
    async members(ctx, ref) {
      const members = await engine.members(ctx.tx, ref.id);
      return members.map((m) => ({ peer: m.identity, state: m.state, self: m.self }));
    },
    async summary(ctx, ref) {
      return engine.summary(ctx.tx, ref.id);
    },
  };

  return lifecycle;
}
