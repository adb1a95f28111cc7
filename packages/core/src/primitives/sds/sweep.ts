/**
 * The periodic step: declares long-missing dependencies lost (delivering what waited on them), resends
 * unacknowledged messages or gives up on them, and sends a sync message when an acknowledgement is due (or,
 * with `syncIntervalMs`, when we have been quiet that long).
 */
import { writeSync } from "./ack-debt.js";
import { finishDraft, openDraft } from "./draft.js";
import type { SdsStep, SdsSweepOptions } from "./events.js";
import { expireIncoming } from "./incoming-lost.js";
import type { SdsConfig } from "./options.js";
import { resendOrGiveUp } from "./resend.js";
import type { MissingMessage, SdsState } from "./state.js";

export function sweepStep(
  c: SdsConfig,
  state: SdsState,
  now: number,
  options: SdsSweepOptions,
): SdsStep & { readonly missing: readonly MissingMessage[] } {
  const d = openDraft(state);
  expireIncoming(c, d, now, options.lostBefore);
  resendOrGiveUp(c, d, now);
  const ackDue = d.ackOwedSince !== undefined && now - d.ackOwedSince >= c.ackDelayMs;
  const idle =
    c.syncIntervalMs !== undefined &&
    d.recent.length > 0 &&
    (d.lastSentAt === undefined || now - d.lastSentAt >= c.syncIntervalMs);
  if (ackDue || idle) writeSync(c, d, now);
  const step = finishDraft(d);
  return { ...step, missing: step.state.missing };
}
