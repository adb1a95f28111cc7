/**
 * The lifecycle the types of accounts share (AccountDirectV1, AccountGroupV1, AccountSelfV1): GroupV1's over the
 * type's engine, woken when due as GroupV1 is (issue 17: an idle group costs nothing), where a wake also keeps
 * the roster equal to the device lists (`sync`). `sync` reads what no step of that one group need change:
 *
 * - the type's device list book, which all its groups share: a step that changes it makes every group of the
 *   type due at once;
 * - the account's own list: the Client makes every conversation of the account's types due when it changes
 *   (client/account.ts, `listChanged`), and `resume` makes the group due once (a crash may fall between that
 *   list's commit and the wakes it asks for);
 * - the group's roster: a commit or Welcome from someone else that changes it makes the group due at once
 *   (a device that joins adds its listed siblings, a member who lost a fork choice re-applies the lists).
 */
import { constantTimeEqual } from "../../base/bytes.js";
import type { Effect, StepContext, TypeLifecycle } from "../../framework/lifecycle.js";
import type { TransactionView } from "../../framework/store.js";
import type { SignedDeviceList } from "../../identity/account/device-list.js";
import { type EngineHooks, engineLifecycle, type GroupDueState, groupRef } from "../group-v1/extension.js";
import type { AccountDirectV1Engine } from "./engine.js";
import { BOOK_KEY } from "./guard.js";

type Ctx = StepContext<GroupDueState | undefined>;
export type AccountLifecycle = TypeLifecycle<GroupDueState | undefined, never>;
/** A step of the type that may change the book, wrapped to make every group due when it does. */
export type WatchBook = <A extends unknown[], R>(
  step: (ctx: Ctx, ...a: A) => Promise<R>,
) => (ctx: Ctx, ...a: A) => Promise<R>;

export interface AccountLifecycleOptions {
  /** The newest list of this device's own account it holds (the Client's account state). */
  ownList(): SignedDeviceList;
  /**
   * One group's wake after the own list is held: its timers and its `sync`, in the order the type needs; the
   * devices engine's `wake` (timers, then `sync`) by default.
   */
  readonly wake?: NonNullable<EngineHooks["wake"]>;
}

/** Whether a step changed the book: compared before and after, so a rewrite of the same bytes is no change. */
function bookWatch(ns: string) {
  return async <R>(tx: TransactionView, step: () => Promise<R>): Promise<{ r: R; changed: boolean }> => {
    const before = await tx.get(ns, BOOK_KEY);
    const r = await step();
    const after = await tx.get(ns, BOOK_KEY);
    const changed =
      before === undefined ? after !== undefined : after === undefined || !constantTimeEqual(before, after);
    return { r, changed };
  };
}

/**
 * GroupV1's lifecycle over the devices engine's group engine with the rules above. A type replaces `start`,
 * `command` or `control` by passing its own through `watch`, and ends each engine step with `stepEffects`
 * (group-v1/extension.ts).
 */
export function accountLifecycle(
  devices: AccountDirectV1Engine,
  o: AccountLifecycleOptions,
): { lifecycle: AccountLifecycle; watch: WatchBook } {
  const engine = devices.group;
  const work = o.wake ?? ((tx: TransactionView, cid: string) => devices.wake(tx, cid));
  const base = engineLifecycle(engine, {
    async wake(tx, cid) {
      await devices.holdOwnList(tx, o.ownList());
      return work(tx, cid);
    },
  });
  const changedBook = bookWatch(devices.bookNamespace);
  /** Every group of the type due at once. */
  async function allDue(ctx: Ctx): Promise<void> {
    for (const cid of await engine.listGroups(ctx.tx)) ctx.states.put(groupRef(engine, cid), { at: ctx.now });
  }
  /** A step that changes the book makes every group due; one whose effects move a roster, that group. */
  const watch: WatchBook = (step) => {
    return async (ctx, ...a) => {
      const { r, changed } = await changedBook(ctx.tx, () => step(ctx, ...a));
      if (changed) await allDue(ctx);
      return r;
    };
  };
  /** After someone else's step: a group whose roster moved syncs at once. */
  function rosterMoved(ctx: Ctx, effects: readonly Effect[]): void {
    for (const e of effects) {
      // A group joined (watched) or whose members changed.
      const cid =
        e.kind === "watch"
          ? e.ref.id
          : e.kind === "notice" && e.notice.kind === "members-changed"
            ? e.notice.conversationId
            : undefined;
      if (cid !== undefined) ctx.states.put(groupRef(engine, cid), { at: ctx.now });
    }
  }
  const lifecycle: AccountLifecycle = {
    ...base,
    receive: watch(async (ctx, ref, payload) => {
      const r = await base.receive!(ctx, ref, payload);
      rosterMoved(ctx, r.effects);
      return r;
    }),
    control: watch(async (ctx, peer, payload) => {
      const effects = await base.control!(ctx, peer, payload);
      rosterMoved(ctx, effects);
      return effects;
    }),
    command: watch(base.command!),
    wake: watch(base.wake!),
    async resume(ctx, ref) {
      const effects = await base.resume!(ctx, ref);
      ctx.states.put(groupRef(engine, ref.id), { at: ctx.now });
      return effects;
    },
  };
  return { lifecycle, watch };
}
