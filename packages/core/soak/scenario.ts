/**
 * `npm run soak`: the longer variants of the reliability acceptance scenario (test/reliability/scenario.ts):
 * seeds 1–4 with the 12-minute partition and with a 2-hour one. Prints one line per run and a table, and
 * exits non-zero if any run broke a guarantee. Bounded: each run stops by itself (virtual time).
 */
import { runScenario, type ScenarioReport } from "../test/reliability/scenario.js";

const MINUTE = 60_000;
const runs: { name: string; seed: number; partitionMs: number }[] = [];
for (const seed of [1, 2, 3, 4]) {
  runs.push({ name: `seed ${seed}, 12 min partition`, seed, partitionMs: 12 * MINUTE });
  runs.push({ name: `seed ${seed}, 2 h partition`, seed, partitionMs: 120 * MINUTE });
}

function clean(r: ScenarioReport): boolean {
  return (
    r.deliveredOnce === r.sent &&
    r.orderInversions === 0 &&
    r.notAcked === 0 &&
    r.falseLost === 0 &&
    r.lostEvents === 0 &&
    Object.keys(r.errorCodes).length === 0
  );
}

let failed = 0;
const rows: string[] = [];
for (const run of runs) {
  const r = await runScenario({ seed: run.seed, partitionMs: run.partitionMs });
  console.log(`[soak] ${run.name}: ${JSON.stringify(r)}`);
  if (!clean(r)) failed++;
  rows.push(
    `| ${run.name} | ${r.deliveredOnce}/${r.sent} | ${r.orderInversions} | ${r.notAcked} | ${r.falseLost} | ` +
      `${r.publishesPerMessage} | ${r.peakHeapMB} | ${Math.round(r.settleMs / 1000)} | ${Math.round(r.wallMs / 1000)} |`,
  );
}
console.log(
  "\n| run | delivered once | order inversions | not acked | false lost | publishes/msg | peak heap MB | settle s (virtual) | wall s |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log(`\n${runs.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
