/**
 * Vitest in real Chromium (Debian's, driven by playwright; no browser download): the tests that must hold
 * in a browser engine. `test/browser-suites.test.ts` runs this config from the main test run.
 */
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import root from "../../vitest.config.js";
import { CHROMIUM_ARGS, chromiumPath } from "./test/support/chromium.js";

export default defineConfig({
  resolve: root.resolve,
  root: new URL("../..", import.meta.url).pathname,
  test: {
    include: ["packages/*/test/browser/**/*.spec.ts", "packages/core/test/crypto/web-provider.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS } }),
      instances: [{ browser: "chromium" }],
    },
  },
});
