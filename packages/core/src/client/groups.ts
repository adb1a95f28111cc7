/**
 * Group calls, through the type that starts groups: creating one (its members' control travels over the
 * pairwise conversations with them), typed commands on it (add, remove, leave, rename) and its queries.
 */
import type { Command, StartKind } from "../framework/lifecycle.js";
import type { Registry } from "../framework/registry.js";
import type { AnyConversationTypeRuntime, ConversationRef } from "../framework/runtime.js";
import { Transaction } from "../framework/store.js";
import type { Control } from "./control.js";
import type { EffectApplier, StepPlan } from "./effects.js";
import { ClientError, lifecycleCall } from "./errors.js";
import { CONVERSATION_INFO_NS, decodeInfo } from "./records.js";
import type { Steps } from "./step.js";
import type { ConversationInfo, GroupInfo, GroupMemberInfo } from "./types.js";

export interface GroupsHost {
  readonly registry: Registry;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly control: Control;
  /** This installation's key, lower hex. */
  self(): string;
}

interface GroupConversation {
  readonly runtime: AnyConversationTypeRuntime;
  readonly ref: ConversationRef;
  readonly info: ConversationInfo;
}

export class Groups {
  /** `kind`: the start kind of the type whose conversations these are (groups of accounts: `account-group`). */
  constructor(
    private readonly host: GroupsHost,
    private readonly kind: StartKind = "group",
  ) {}

  /** The body of `Client.createGroup` (one step); `members` as `peerList` gives them. */
  async create(input: { name: string; description?: string; members: readonly string[] }): Promise<string> {
    const { registry, steps, effects, control } = this.host;
    const members = input.members;
    const starter = registry.starter("group");
    const start = starter?.lifecycle?.start;
    return steps.unit(async (tx, plan) => {
      await control.requirePairwise(tx, members);
      if (!starter || !start) throw new ClientError("not-a-group", "no group type");
      const request = { kind: "group", name: input.name, description: input.description ?? "", members } as const;
      const r = await lifecycleCall(() => start(steps.context(tx, starter), request));
      await effects.apply(tx, r.effects, plan);
      return r.value.conversationId;
    });
  }

  /**
   * The body of a typed command on a group (one step); `members` must each have a pairwise conversation, or
   * `before` gives them one in the command's transaction.
   */
  async command(
    conversationId: string,
    command: Command,
    members?: readonly string[],
    before?: (tx: Transaction, plan: StepPlan) => Promise<void>,
  ): Promise<void> {
    const { steps, effects, control } = this.host;
    const { runtime, ref } = await this.#group(conversationId);
    await steps.unit(async (tx, plan) => {
      if (before) await before(tx, plan);
      if (members) await control.requirePairwise(tx, members);
      await effects.apply(tx, await runtime.lifecycle!.command!(steps.context(tx, runtime), ref, command), plan);
    });
  }

  async members(conversationId: string): Promise<GroupMemberInfo[]> {
    const steps = this.host.steps;
    const { runtime, ref } = await this.#group(conversationId);
    const members = await runtime.lifecycle!.members!(steps.context(new Transaction(steps.store), runtime), ref);
    return members.map((m) => ({
      peer: m.peer,
      state: m.state as GroupMemberInfo["state"],
      self: m.self,
      ...(m.account !== undefined && { account: m.account }),
    }));
  }

  async info(conversationId: string): Promise<GroupInfo> {
    const steps = this.host.steps;
    const { runtime, ref, info } = await this.#group(conversationId);
    const s = await runtime.lifecycle!.summary!(steps.context(new Transaction(steps.store), runtime), ref);
    const readable = s.status === "active";
    return {
      conversationId,
      name: readable ? s.name : (info.name ?? ""),
      description: readable ? s.description : (info.description ?? ""),
      status: s.status,
      epoch: s.epoch,
      epochId: s.epochId,
      contentTopic: s.contentTopic,
    };
  }

  /** Installation keys, lower hex, without duplicates or ourselves; throws for anything that is not one. */
  peerList(peers: readonly string[]): string[] {
    const out = [...new Set(peers.map((p) => p.toLowerCase()))];
    for (const p of out)
      if (!/^[0-9a-f]{64}$/.test(p)) throw new ClientError("no-pairwise-conversation", "not an installation key");
    const self = this.host.self();
    return out.filter((p) => p !== self);
  }

  /** A conversation of the group type (commands and queries). */
  async #group(conversationId: string): Promise<GroupConversation> {
    const info = decodeInfo(await this.host.steps.store.get(CONVERSATION_INFO_NS, conversationId));
    if (!info) throw new ClientError("unknown-conversation", "no such conversation");
    const runtime = this.host.registry.starter(this.kind);
    if (!runtime || info.type !== runtime.spec.name)
      throw new ClientError("not-a-group", "this conversation is not a group");
    return { runtime, ref: { id: info.id, type: info.type, contentTopic: info.contentTopic }, info };
  }
}
