/**
 * AccountGroupV1 as a registered conversation type: GroupV1's lifecycle over this type's engine, with its own
 * namespaces, a start from account addresses, commands to add and remove people, members named with their
 * account, a wake that keeps the roster equal to the member accounts' lists (`sync`) and runs when due, and a
 * claim on the control payloads of its groups ('a6' ids).
 */
import { LifecycleError } from "../../framework/errors.js";
import type { Command, StepContext, TypeLifecycle } from "../../framework/lifecycle.js";
import type { ConversationRef, ConversationTypeRuntime } from "../../framework/runtime.js";
import { type AccountAddress, parseAccountAddress } from "../../identity/account/address.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { GroupControlFrameSchema } from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { fromBinary } from "../../wire/index.js";
import { type AccountEngineOptions, accountLifecycle } from "../account-direct-v1/extension.js";
import {
  BY_ME,
  decodeDueState,
  encodeGroupDueState,
  type GroupDueState,
  type GroupEffect,
  stepEffects,
} from "../group-v1/extension.js";
import { ACCOUNT_GROUP_NAMESPACES, ACCOUNT_GROUP_NS, AccountGroupV1Engine } from "./engine.js";
import { accountGroupV1Spec } from "./spec.js";

export type AccountGroupV1Runtime = ConversationTypeRuntime<GroupDueState | undefined, never> & {
  readonly engine: AccountGroupV1Engine;
};

export interface AccountGroupV1RuntimeOptions extends AccountEngineOptions {
  /** The newest list of this device's own account it holds (the Client's account state). */
  ownList(): SignedDeviceList;
}

/** Ids of this type's groups: the tag byte 0xA6 and 16 random bytes, in lower hex. */
const CONVERSATION_ID = /^a6[0-9a-f]{32}$/;

/** Whether a GroupControlFrame names one of this type's groups (a key-package response by its request id). */
export function claimsAccountGroupControl(payload: Uint8Array): boolean {
  try {
    const control = fromBinary(GroupControlFrameSchema, payload).control;
    if (control.case === "keyPackageResponse") return CONVERSATION_ID.test(control.value.requestId.split(":")[0] ?? "");
    return control.value !== undefined && CONVERSATION_ID.test(control.value.conversationId);
  } catch {
    return false;
  }
}

function parseAll(ctx: StepContext<GroupDueState | undefined>, addresses: readonly string[]): AccountAddress[] {
  return addresses.map((text) => {
    const a = parseAccountAddress(ctx.crypto, text);
    if (!a.ok) throw a.error;
    return a.value;
  });
}

export async function createAccountGroupV1Runtime(o: AccountGroupV1RuntimeOptions): Promise<AccountGroupV1Runtime> {
  const ag = await AccountGroupV1Engine.create(o);
  // Woken when due, as GroupV1 (account-direct-v1/lifecycle.ts says what else makes a group due); `sync`
  // before the timers (AccountGroupV1Engine.wake says why).
  const { lifecycle: base, watch } = accountLifecycle(ag.devices, {
    ownList: () => o.ownList(),
    wake: (tx, cid) => ag.wake(tx, cid),
  });

  async function command(ctx: StepContext<GroupDueState | undefined>, ref: ConversationRef, c: Command) {
    let effects: GroupEffect[];
    if (c.kind === "add-accounts") effects = await ag.addAccounts(ctx.tx, ref.id, parseAll(ctx, c.addresses));
    else if (c.kind === "remove-accounts") effects = await ag.removeAccounts(ctx.tx, ref.id, c.accounts);
    // A device is added or removed with its account: GroupV1's per-member commands would break the rule.
    else if (c.kind === "add-members" || c.kind === "remove-members")
      throw new LifecycleError("unsupported", "AccountGroupV1 adds and removes accounts");
    else return base.command!(ctx, ref, c);
    return stepEffects(ag.group, ctx, effects, BY_ME);
  }

  const lifecycle: TypeLifecycle<GroupDueState | undefined, never> = {
    ...base,
    namespaces: [...Object.values(ACCOUNT_GROUP_NAMESPACES), ACCOUNT_GROUP_NS],
    starts: ["account-group"],
    consumesControl: true,
    claimsControl: claimsAccountGroupControl,
    start: watch(async (ctx, request) => {
      if (request.kind !== "account-group")
        throw new LifecycleError("unsupported", "AccountGroupV1 starts from addresses");
      const addresses = parseAll(ctx, request.addresses);
      await ag.devices.holdOwnList(ctx.tx, o.ownList());
      const r = await ag.start(ctx.tx, addresses, { name: request.name, description: request.description });
      return {
        value: { conversationId: r.conversationId },
        effects: await stepEffects(ag.group, ctx, r.effects, BY_ME),
      };
    }),
    command: watch(command),
    async members(ctx, ref) {
      const accounts = new Map<string, string>();
      for (const a of await ag.membersByAccount(ctx.tx, ref.id)) for (const d of a.devices) accounts.set(d, a.account);
      return (await base.members!(ctx, ref)).map((m) => {
        const account = accounts.get(m.peer);
        return account === undefined ? m : { ...m, account };
      });
    },
  };

  return {
    spec: accountGroupV1Spec,
    engine: ag,
    // Never called: the decoder hands this type's payloads to `receive`, as GroupV1's.
    open: () => ({ ok: false, reason: "bad-message" }),
    // GroupV1's framework state: when the group is next due.
    encodeState: encodeGroupDueState,
    decodeState: decodeDueState,
    lifecycle,
  };
}
