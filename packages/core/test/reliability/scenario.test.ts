/**
 * The acceptance test of "hold under real use": four clients, a PrivateV1 conversation between every pair,
 * 40 % drop, 10 % duplicates, 30 % reordering, random delays, 2,000 messages of 10 B to 200 KB over 40
 * virtual minutes, one client cut off from everyone for 12 minutes in the middle. Longer variants (other
 * seeds, a 2-hour partition) run in `npm run soak` (packages/core/soak/scenario.ts).
 */
import { describe, expect, it } from "vitest";
import { runScenario, type ScenarioReport } from "./scenario.js";

function expectClean(r: ScenarioReport): void {
  console.log(`[scenario] ${JSON.stringify(r)}`);
  expect(r.deliveredOnce).toBe(r.sent);
  expect(r.neverDelivered).toBe(0);
  expect(r.deliveredTwice).toBe(0);
  expect(r.contentMismatch).toBe(0);
  expect(r.orderInversions).toBe(0);
  expect(r.notAcked).toBe(0);
  expect(r.falseLost).toBe(0);
  expect(r.lostEvents).toBe(0);
  expect(r.errorCodes).toEqual({});
  expect(r.settleMs).toBeGreaterThanOrEqual(0);
}

describe("four clients, a lossy network and a twelve-minute partition", () => {
  it("default settings: every message exactly once, in order, intact, acked; no false lost", async () => {
    expectClean(await runScenario({ seed: 1 }));
  }, 600_000);

  it("fast resends (sweep 1 s, resend 4 s): the same, and resends never break a conversation", async () => {
    const r = await runScenario({ seed: 1, config: { sweepIntervalMs: 1_000, resendAfterMs: 4_000 } });
    expectClean(r);
    // Resends are bounded by backoff and acknowledgements, not by the ratchet: far from main's 110 per message.
    expect(r.publishesPerMessage).toBeLessThan(40);
  }, 600_000);
});
