/**
 * Part 2 of the `accounts` section: a GroupV1 group of 4 accounts × {1, 2, 5} devices. GroupV1 has no roster
 * rule for accounts yet (docs/ACCOUNTS.md §8), so each device is one member: groups of 4, 8 and 20 members,
 * built with the engine as in ./group-scaling.ts, every step committed to a counting MemoryStore. One member
 * sends; one other member receives each message, which is the cost every other member pays. Ratios are to the
 * 4-member group (one device per account) of the same run.
 */
import { groupExchange, type Sample } from "./group-scaling.js";
import { median, type Row, rowsAgainst } from "./harness.js";

const WARMUP = 4;
const MESSAGES = 60;

/** Median times and mean bytes over `MESSAGES` messages after a warm-up. */
async function groupCost(size: number): Promise<Sample> {
  const exchange = await groupExchange(size);
  for (let i = 0; i < WARMUP; i++) await exchange();
  const samples: Sample[] = [];
  for (let i = 0; i < MESSAGES; i++) samples.push(await exchange());
  const mean = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0) / MESSAGES;
  return {
    send: median(samples.map((s) => s.send)),
    receive: median(samples.map((s) => s.receive)),
    sendBytes: mean((s) => s.sendBytes),
    receiveBytes: mean((s) => s.receiveBytes),
    wireBytes: mean((s) => s.wireBytes),
  };
}

export async function groupWithDevicesRows(): Promise<Row[]> {
  const costs = new Map<number, Sample>();
  for (const d of [1, 2, 5]) costs.set(d, await groupCost(4 * d));
  // The 4-member group again at the end: its better time is the baseline (load changes during the run).
  const again = await groupCost(4);
  const first = costs.get(1)!;
  const base: Sample = {
    ...first,
    send: Math.min(first.send, again.send),
    receive: Math.min(first.receive, again.receive),
  };
  const rows: Row[] = [];
  for (const d of [1, 2, 5]) {
    const c = costs.get(d)!;
    const row = rowsAgainst(c, base, `GroupV1 4 accounts × ${d} devices (${4 * d} members)`, "4 members");
    rows.push(row("send", "ms", (x) => x.send));
    rows.push(row("receive, per member", "ms", (x) => x.receive));
    rows.push(row("bytes published", "B", (x) => x.wireBytes, 0));
    rows.push(row("bytes committed by the sender", "B", (x) => x.sendBytes, 0));
    rows.push(row("bytes committed by a receiver", "B", (x) => x.receiveBytes, 0));
  }
  return rows;
}
