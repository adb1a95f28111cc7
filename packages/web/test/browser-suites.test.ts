/**
 * Runs the browser-engine suites (vitest.browser.config.ts) in real Chromium from the main test run: core's
 * Store conformance suite on IndexedDB, the Web Locks rule, and the WebCrypto agreement tests. The child's
 * JSON report is read, so every failing or missing test fails here by name; nothing is skipped.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chromiumPath } from "./support/chromium.js";

const root = new URL("../../..", import.meta.url).pathname;

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

describe("browser suites in Chromium", () => {
  it("the Store conformance suite, the profile lock and the WebCrypto agreement tests all pass", () => {
    chromiumPath(); // a clear failure if the browser is missing
    const dir = mkdtempSync(join(tmpdir(), "parley-browser-suites-"));
    try {
      const out = join(dir, "report.json");
      const r = spawnSync(
        join(root, "node_modules/.bin/vitest"),
        ["run", "--config", "packages/web/vitest.browser.config.ts", "--reporter=json", `--outputFile=${out}`],
        { cwd: root, encoding: "utf8", timeout: 540_000, env: { ...process.env, FORCE_COLOR: "0" } },
      );
      let report: Report;
      try {
        report = JSON.parse(readFileSync(out, "utf8")) as Report;
      } catch {
        throw new Error(`the browser run wrote no report (exit ${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000));
      }
      const failed = report.testResults.flatMap((s) =>
        s.assertionResults.filter((a) => a.status !== "passed").map((a) => `${a.status}: ${a.fullName}`),
      );
      expect(failed).toEqual([]);
      const files = report.testResults.map((s) => s.name.slice(root.length));
      expect(files.sort()).toEqual([
        "packages/core/test/crypto/web-provider.test.ts",
        "packages/idb-store/test/browser/conformance.spec.ts",
        "packages/idb-store/test/browser/lock.spec.ts",
      ]);
      // Both conformance runs (plain and encrypted, 37 each), 3 lock tests, 10 agreement tests.
      expect(report.numPassedTests).toBeGreaterThanOrEqual(87);
      expect(report.numFailedTests + report.numPendingTests).toBe(0);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
