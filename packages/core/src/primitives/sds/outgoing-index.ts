/**
 * Side structures for a state's `outgoing` list (every unacknowledged message: 10,000 of them after 10,000
 * sends to a peer that is offline), so that a send costs the same whatever the list holds:
 *
 * - the set of its ids (a send refuses an id already used), handed from the list a send starts from to the
 *   list it makes, as known.ts hands the window's index on;
 * - when its earliest resend and give-up are due (`outgoingTimers`, what a caller schedules its next sweep
 *   by), carried to the list a send makes by folding in the one message it appends.
 *
 * Both are keyed by the list itself (states are immutable: a list is never modified once it is in a state)
 * and describe exactly that list, so a list without them (one a step other than a send made, or an older
 * state's after its set was handed on) gets them rebuilt: one pass over the list.
 */
import type { SdsConfig } from "./options.js";
import type { OutgoingMessage } from "./state.js";

type List = readonly OutgoingMessage[];

const idSets = new WeakMap<List, Set<string>>();

/** The ids of `list`, which the caller now owns (it hands them on with `giveOutgoingIds`, or drops them). */
export function takeOutgoingIds(list: List): Set<string> {
  const found = idSets.get(list);
  idSets.delete(list);
  return found !== undefined && found.size === list.length ? found : new Set(list.map((m) => m.messageId));
}

export function giveOutgoingIds(list: List, ids: Set<string>): void {
  idSets.set(list, ids);
}

/**
 * When the messages of a list are next due, by what they wait for (resend.ts decides with the same rules):
 * per resend interval class (never possibly acknowledged, or possibly acknowledged: each has its own base
 * interval and cap), the earliest base-interval resend and the earliest backed-off resend; the earliest
 * give-up by age; whether one has used up its resends. The earliest resend of a class is then exact: with
 * the peer heard from at `p`, a message whose base-interval resend is before `p + cap` is due then, any
 * other at its backed-off time, which is never earlier than its base-interval one (see `nextResend`).
 */
export interface OutgoingTimers {
  readonly classes: readonly [ResendClass, ResendClass];
  readonly giveUp: number;
  readonly exhausted: boolean;
}

interface ResendClass {
  readonly base: number;
  readonly cap: number;
  readonly soon: number;
  readonly backedOff: number;
}

const timers = new WeakMap<SdsConfig, WeakMap<List, OutgoingTimers>>();

function memo(c: SdsConfig): WeakMap<List, OutgoingTimers> {
  let m = timers.get(c);
  if (!m) {
    m = new WeakMap();
    timers.set(c, m);
  }
  return m;
}

function none(c: SdsConfig): OutgoingTimers {
  const cls = (base: number): ResendClass => ({
    base,
    cap: Math.max(base, c.maxResendIntervalMs),
    soon: Number.POSITIVE_INFINITY,
    backedOff: Number.POSITIVE_INFINITY,
  });
  return {
    classes: [cls(c.resendIntervalMs), cls(c.possiblyAckedResendIntervalMs)],
    giveUp: Number.POSITIVE_INFINITY,
    exhausted: false,
  };
}

function fold(c: SdsConfig, t: OutgoingTimers, m: OutgoingMessage): OutgoingTimers {
  const i = m.possibleAcks > 0 ? 1 : 0;
  const k = t.classes[i];
  const next: ResendClass = {
    ...k,
    soon: Math.min(k.soon, m.lastSentAt + k.base),
    backedOff: Math.min(k.backedOff, m.lastSentAt + Math.min(k.base * 2 ** Math.min(m.resends, 30), k.cap)),
  };
  return {
    classes: i === 0 ? [next, t.classes[1]] : [t.classes[0], next],
    giveUp: Math.min(t.giveUp, m.firstSentAt + c.giveUpAfterMs),
    exhausted: t.exhausted || m.resends >= c.maxResends,
  };
}

/** The timers of `list` (one pass over it unless a send carried them to it). */
export function outgoingTimers(c: SdsConfig, list: List): OutgoingTimers {
  const m = memo(c);
  let t = m.get(list);
  if (!t) {
    t = none(c);
    for (const o of list) t = fold(c, t, o);
    m.set(list, t);
  }
  return t;
}

/** Records that `after` is `before` and then `added`: its timers are `before`'s with it, if those are known. */
export function appendedTimers(c: SdsConfig, before: List, after: List, added: OutgoingMessage): void {
  const m = memo(c);
  const t = m.get(before);
  if (t) m.set(after, fold(c, t, added));
}

/** The earliest resend of the list's messages with the peer last heard from at `peerHeardAt` (ms). */
export function nextResend(t: OutgoingTimers, peerHeardAt: number | undefined): number {
  let due = Number.POSITIVE_INFINITY;
  for (const k of t.classes) {
    const online = peerHeardAt !== undefined && k.soon < peerHeardAt + k.cap;
    due = Math.min(due, online ? k.soon : k.backedOff);
  }
  return due;
}
