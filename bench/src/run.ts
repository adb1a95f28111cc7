/**
 * `npm run bench`: runs every section, prints a table and writes bench/results/latest.json.
 * Sections register in ./sections.ts; each measures Parley next to a peer in the same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { SectionResult } from "./harness.js";
import { sections } from "./sections.js";

const only = process.argv.slice(2);
const results: SectionResult[] = [];
for (const [name, section] of Object.entries(sections)) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`\n## ${name}\n`);
  const r = await section();
  results.push(r);
  for (const row of r.rows) {
    const ratio = row.ratio === undefined ? "" : `  ${row.ratio.toFixed(2)}x ${row.baseline ?? ""}`;
    process.stdout.write(`${row.name.padEnd(56)} ${fmt(row.value).padStart(12)} ${row.unit.padEnd(10)}${ratio}\n`);
  }
  for (const n of r.notes ?? []) process.stdout.write(`  note: ${n}\n`);
}
const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("../results/latest.json", import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2),
);
process.stdout.write(`\nwrote bench/results/latest.json\n`);

function fmt(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
}
