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
import { controlClaim } from "../account-direct-v1/extension.js";
import { BY_PEER, engineLifecycle, type GroupDueState, groupEffects } from "../group-v1/extension.js";
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
  // Without `due`: woken on every sweep, since `sync` must see list changes no step of the group made.
  const { due: _due, ...base } = engineLifecycle(as.group);
  const baseSend = base.send!;
  const baseReceive = base.receive!;
  const baseResume = base.resume!;

  const lifecycle: TypeLifecycle<GroupDueState | undefined, never> = {
    ...base,
    namespaces: [...Object.values(ACCOUNT_SELF_NAMESPACES), ACCOUNT_SELF_NS],
    starts: ["self"],
    internal: true,
    consumesControl: true,
    claimsControl: controlClaim(CONVERSATION_ID),
    async start(ctx, request) {
      if (request.kind !== "self") throw new LifecycleError("unsupported", "AccountSelfV1 starts the account's group");
      const held = await as.groupId(ctx.tx);
      if (held !== undefined && (await as.group.summary(ctx.tx, held)).status === "active")
        return { value: { conversationId: held }, effects: [] };
      if (!request.create) return { value: { conversationId: "" }, effects: [] };
      const r = await as.createGroup(ctx.tx, o.ownList());
      const effects = await groupEffects(as.group, ctx.tx, r.effects, { initiatedBy: "me", from: "" });
      return { value: { conversationId: r.conversationId }, effects };
    },
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
    async control(ctx, peer, payload) {
      const effects = await as.group.receiveControl(ctx.tx, peer, payload);
      for (const e of effects) if (e.kind === "joined") as.setGroup(ctx.tx, e.conversationId);
      return shared(await groupEffects(as.group, ctx.tx, effects, { initiatedBy: "peer", from: peer }));
    },
    async wake(ctx, ref) {
      await as.holdOwnList(ctx.tx, o.ownList());
      const effects = await as.group.tick(ctx.tx, ref.id);
      if ((await as.group.summary(ctx.tx, ref.id)).status === "active")
        effects.push(...(await as.sync(ctx.tx, ref.id)));
      return shared(await groupEffects(as.group, ctx.tx, effects, BY_PEER));
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
    encodeState: () => new Uint8Array(0),
    decodeState: () => undefined,
    lifecycle,
  };
}
