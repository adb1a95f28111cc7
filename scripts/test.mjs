#!/usr/bin/env node
// The one test command: build, static checks, then every vitest suite. Ends with "N passed, N failed".
// Each static check counts as one test; the vitest counts come from its JSON report.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "node_modules/.bin");
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FORCE_COLOR: "0" };
const vitestArgs = process.argv.slice(2);

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args) {
  console.log(`\n== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return r.status === 0;
}

const built = step("build", "tsc", ["-b"]);
step("wire code fresh", "node", ["scripts/gen-proto.mjs", "--check"]);
step("wasm kernels fresh", "node", ["scripts/gen-wasm.mjs", "--check"]);
if (existsSync(join(root, "scripts/gen-docs.ts"))) step("docs fresh", "tsx", ["scripts/gen-docs.ts", "--check"]);
step("lint", "biome", ["check", "."]);

if (!built) console.log("build failed: tests that spawn built programs will fail too");
const report = join(mkdtempSync(join(tmpdir(), "parley-test-")), "vitest.json");
console.log("\n== vitest");
const r = spawnSync(
  "vitest",
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...vitestArgs],
  { cwd: root, env, stdio: "inherit" },
);
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no tests to count: count it as one failure.
  for (const s of json.testResults) {
    if (s.status === "failed" && s.assertionResults.length === 0) {
      failed++;
      failures.push(`suite ${s.name}`);
    }
  }
  for (const s of json.testResults)
    for (const a of s.assertionResults) if (a.status === "failed") failures.push(a.fullName);
} else {
  failed++;
  failures.push(`vitest exited ${r.status} without a report`);
}

if (failures.length) console.log(`\nfailed:\n  ${failures.join("\n  ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
