/**
 * AccountSelfV1 as a registered conversation type: GroupV1's lifecycle over this type's engine, with its own
 * namespaces, a start that returns the account's group (created by the caller that asks, the primary), a wake
 * that keeps the roster equal to the account's newest list, and application messages handed to the Client as
 * `account-sync` effects (what the devices share), never as messages or history of their own.
 */
import { LifecycleError } from "../../framework/errors.js";
import type { Effect, TypeLifecycle } from "../../framework/lifecycle.js";
import type { ConversationTypeRuntime } from "../../framework/runtime.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { accountLifecycle, controlClaim } from "../account-direct-v1/extension.js";
import {
  BY_ME,
  decodeDueState,
  encodeGroupDueState,
  type GroupDueState,
  groupRef,
  stepEffects,
} from "../group-v1/extension.js";
import { ACCOUNT_SELF_NAMESPACES, AccountSelfV1Engine, type AccountSelfV1Options } from "./engine.js";
import { ACCOUNT_SELF_NS } from "./guard.js";
import { accountSelfV1Spec } from "./spec.js";

export type AccountSelfV1Runtime = ConversationTypeRuntime<GroupDueState | undefined, never> & {
  readonly engine: AccountSelfV1Engine;
};

export interface AccountSelfV1RuntimeOptions extends AccountSelfV1Options {
  /** The newest list of this device's own account it holds (the Client's account state). */
  ownList(): SignedDeviceList;
}

/** Ids of this type's groups: the tag byte 0xA5 and 16 random bytes, in lower hex. */
const CONVERSATION_ID = /^a5[0-9a-f]{32}$/;

/** Application messages become what the devices share; nothing of this group reaches the history. */
function shared(effects: readonly Effect[]): Effect[] {
  return effects.map((e) =>
    e.kind === "message"
      ? {
          kind: "account-sync",
          conversationId: e.conversationId,
          messageId: e.messageId,
          sender: e.sender,
          payload: e.content,
        }
      : e,
  );
}

export async function createAccountSelfV1Runtime(o: AccountSelfV1RuntimeOptions): Promise<AccountSelfV1Runtime> {
  const as = await AccountSelfV1Engine.create(o);
  // Woken when due, as GroupV1 (account-direct-v1/lifecycle.ts says what else makes the group due).
  const { lifecycle: base, watch } = accountLifecycle(as.devices, { ownList: () => o.ownList() });
  const baseSend = base.send!;
  const baseReceive = base.receive!;
  const baseResume = base.resume!;
  const baseWake = base.wake!;

  const lifecycle: TypeLifecycle<GroupDueState | undefined, never> = {
    ...base,
    namespaces: [...Object.values(ACCOUNT_SELF_NAMESPACES), ACCOUNT_SELF_NS],
    starts: ["self"],
    internal: true,
    consumesControl: true,
    claimsControl: controlClaim(CONVERSATION_ID),
    start: watch(async (ctx, request) => {
      if (request.kind !== "self") throw new LifecycleError("unsupported", "AccountSelfV1 starts the account's group");
      const held = await as.groupId(ctx.tx);
      if (held !== undefined && (await as.group.summary(ctx.tx, held)).status === "active")
        return { value: { conversationId: held }, effects: [] };
      if (!request.create) return { value: { conversationId: "" }, effects: [] };
      const r = await as.createGroup(ctx.tx, o.ownList());
      const effects = await stepEffects(as.group, ctx, r.effects, BY_ME);
      return { value: { conversationId: r.conversationId }, effects };
    }),
    async send(ctx, ref, payload) {
      const r = await baseSend(ctx, ref, payload);
      // Not content: no history record, no delivery state.
      const effects = r.effects
        .filter((e) => e.kind !== "sent")
        .map((e) => (e.kind === "publish" ? { ...e, markSent: [] } : e));
      return { value: r.value, effects };
    },
    async receive(ctx, ref, payload) {
      const r = await baseReceive(ctx, ref, payload);
      return { outcome: r.outcome, effects: shared(r.effects) };
    },
    control: watch(async (ctx, peer, payload) => {
      const effects = await as.group.receiveControl(ctx.tx, peer, payload);
      for (const e of effects) if (e.kind === "joined") as.setGroup(ctx.tx, e.conversationId);
      const out = await stepEffects(as.group, ctx, effects, { initiatedBy: "peer", from: peer });
      // The group joined syncs at once (its roster to the account's newest list).
      for (const e of effects)
        if (e.kind === "joined") ctx.states.put(groupRef(as.group, e.conversationId), { at: ctx.now });
      return shared(out);
    }),
    async wake(ctx, ref) {
      const effects = await baseWake(ctx, ref);
      return effects && shared(effects);
    },
    async resume(ctx, ref) {
      return shared(await baseResume(ctx, ref));
    },
  };

  return {
    spec: accountSelfV1Spec,
    engine: as,
    // Never called: the decoder hands this type's payloads to `receive`, as GroupV1's.
    open: () => ({ ok: false, reason: "bad-message" }),
    // GroupV1's framework state: when the group is next due.
    encodeState: encodeGroupDueState,
    decodeState: decodeDueState,
    lifecycle,
  };
}
