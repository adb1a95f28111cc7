/**
 * The victim of the in-process SIGKILL model (kills.ts) loses nothing and is told nothing twice, the peer's
 * and its own messages all end acknowledged, and neither side reports an error, whatever the seed; also when
 * every catch-up reaches back over the whole conversation (an application without a mark of its own), where
 * old copies of the peer's payloads come again from chains the ratchet no longer remembers.
 *
 * PARLEY_KILL_SEEDS and PARLEY_KILLS run more (each seed takes about 10 s at 40 kills).
 */
import { describe, expect, it } from "vitest";
import { type KillsReport, runKills } from "./kills.js";

const SEEDS = Number(process.env.PARLEY_KILL_SEEDS ?? 5);
const KILLS = Number(process.env.PARLEY_KILLS ?? 40);
const FAULTS = { drop: 0.1, duplicate: 0.05, reorder: 0.1 };
const DAY = 86_400_000;

function check(r: KillsReport): void {
  console.log(
    `[kills] ${JSON.stringify({ ...r, victimReceived: r.victimReceived.length, peerReceived: r.peerReceived.length })}`,
  );
  expect(r.errors).toEqual({});
  expect(r.victimReceived).toEqual([...Array(r.peerSent).keys()]);
  expect(r.peerReceived).toEqual([...Array(r.victimSent).keys()]);
  expect(r.reportedTwice).toBe(0);
  expect(r.victimStates).toEqual({ acked: r.victimSent });
  expect(r.peerStates).toEqual({ acked: r.peerSent });
}

describe("a client killed over and over (in-process model of the SIGKILL test)", () => {
  for (let seed = 1; seed <= SEEDS; seed++)
    it(`seed ${seed}: ${KILLS} kills, a lossy network: every message once, all acked, no error`, async () => {
      check(await runKills({ seed, kills: KILLS, faults: FAULTS }));
    }, 600_000);

  it(`${KILLS} kills of the side that started the conversation: every message once, all acked, no error`, async () => {
    check(await runKills({ seed: 306, kills: KILLS, faults: FAULTS, victimStarts: true }));
  }, 600_000);

  it(`${KILLS} kills, each catch-up from the start of the conversation: old copies are replays, not errors`, async () => {
    check(await runKills({ seed: 100, kills: KILLS, faults: FAULTS, catchUpOverlapMs: DAY }));
  }, 600_000);
});
