/**
 * AccountDirectV1 as a registered conversation type: GroupV1's lifecycle over this type's engine
 * (group-v1/extension.ts), with its own namespaces, a start from an account address, a wake that also keeps
 * the roster equal to the two accounts' lists (`sync`), and a claim on the control payloads of its groups, so
 * they reach this type while GroupV1's go on reaching GroupV1.
 */
import { toHex } from "../../base/bytes.js";
import { LifecycleError } from "../../framework/errors.js";
import type { TypeLifecycle } from "../../framework/lifecycle.js";
import type { ConversationTypeRuntime } from "../../framework/runtime.js";
import { parseAccountAddress } from "../../identity/account/address.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { GroupControlFrameSchema } from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { fromBinary } from "../../wire/index.js";
import {
  BY_ME,
  decodeDueState,
  encodeGroupDueState,
  type GroupDueState,
  GroupError,
  stepEffects,
} from "../group-v1/extension.js";
import { ACCOUNT_DIRECT_NAMESPACES, AccountDirectV1Engine, type AccountDirectV1Options } from "./engine.js";
import { ACCOUNT_DIRECT_NS } from "./guard.js";
import { accountLifecycle } from "./lifecycle.js";
import { accountDirectV1Spec } from "./spec.js";

export type AccountDirectV1Runtime = ConversationTypeRuntime<GroupDueState | undefined, never> & {
  readonly engine: AccountDirectV1Engine;
};

export interface AccountDirectV1RuntimeOptions extends AccountDirectV1Options {
  /** The newest list of this device's own account it holds (the Client's account state). */
  ownList(): SignedDeviceList;
}

/** Ids of this type's groups: the tag byte 0xAD and 16 random bytes, in lower hex. */
const CONVERSATION_ID = /^ad[0-9a-f]{32}$/;

/**
 * Whether a GroupControlFrame belongs to one of the groups whose ids `ids` matches: each frame names its group
 * (a key-package response through its request id, `<conversation id>:<random>`), and each engine type's ids have
 * their own tag and length. Undecodable frames are not claimed (GroupV1, the default consumer, refuses them).
 */
export function controlClaim(ids: RegExp): (payload: Uint8Array) => boolean {
  return (payload) => {
    let control: ReturnType<typeof fromBinary<typeof GroupControlFrameSchema>>["control"];
    try {
      control = fromBinary(GroupControlFrameSchema, payload).control;
    } catch {
      return false;
    }
    switch (control.case) {
      case "keyPackageRequest":
      case "welcome":
      case "rewelcomeRequest":
        return ids.test(control.value.conversationId);
      case "keyPackageResponse":
        return ids.test(control.value.requestId.split(":")[0] ?? "");
      default:
        return false;
    }
  };
}

/** AccountDirectV1's frames: only this type's ids have 34 characters starting "ad". */
export const claimsAccountDirectControl = controlClaim(CONVERSATION_ID);

export async function createAccountDirectV1Runtime(o: AccountDirectV1RuntimeOptions): Promise<AccountDirectV1Runtime> {
  const ad = await AccountDirectV1Engine.create(o);
  // Woken when due, as GroupV1 (lifecycle.ts says what else makes a group due).
  const { lifecycle: base, watch } = accountLifecycle(ad, { ownList: () => o.ownList() });

  const lifecycle: TypeLifecycle<GroupDueState | undefined, never> = {
    ...base,
    namespaces: [...Object.values(ACCOUNT_DIRECT_NAMESPACES), ACCOUNT_DIRECT_NS],
    starts: ["account"],
    consumesControl: true,
    claimsControl: claimsAccountDirectControl,
    start: watch(async (ctx, request) => {
      if (request.kind !== "account") throw new LifecycleError("unsupported", "AccountDirectV1 starts from addresses");
      const address = parseAccountAddress(ctx.crypto, request.address);
      if (!address.ok) throw address.error;
      if (ad.account === toHex(address.value.deviceList.list.accountKey))
        throw new GroupError("invalid-argument", "this address is of this device's own account");
      await ad.holdOwnList(ctx.tx, o.ownList());
      const r = await ad.start(ctx.tx, address.value);
      return {
        value: { conversationId: r.conversationId },
        effects: await stepEffects(ad.group, ctx, r.effects, BY_ME),
      };
    }),
  };

  return {
    spec: accountDirectV1Spec,
    engine: ad,
    // Never called: the decoder hands this type's payloads to `receive`, as GroupV1's.
    open: () => ({ ok: false, reason: "bad-message" }),
    // GroupV1's framework state: when the group is next due.
    encodeState: encodeGroupDueState,
    decodeState: decodeDueState,
    lifecycle,
  };
}
