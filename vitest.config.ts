import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of every workspace package.
    alias: [
      { find: /^@parley\/core\/node$/, replacement: src("./packages/core/src/crypto/node.ts") },
      { find: /^@parley\/core\/web$/, replacement: src("./packages/core/src/crypto/web.ts") },
      {
        find: /^@parley\/core\/testing\/store-conformance$/,
        replacement: src("./packages/core/src/testing/store-conformance.ts"),
      },
      { find: /^@parley\/core\/primitives$/, replacement: src("./packages/core/src/primitives/index.ts") },
      { find: /^@parley\/core\/wire$/, replacement: src("./packages/core/src/wire/index.ts") },
      { find: /^@parley\/core\/internals$/, replacement: src("./packages/core/src/internals.ts") },
      { find: /^@parley\/core\/testing$/, replacement: src("./packages/core/src/testing/index.ts") },
      { find: /^@parley\/core$/, replacement: src("./packages/core/src/index.ts") },
      { find: /^@parley\/sqlite$/, replacement: src("./packages/sqlite/src/index.ts") },
      { find: /^@parley\/waku$/, replacement: src("./packages/waku/src/index.ts") },
      { find: /^@parley\/node$/, replacement: src("./packages/node/src/index.ts") },
      { find: /^@parley\/test-support\/(\w+)$/, replacement: src("./packages/test-support/src/$1.ts") },
      { find: /^@parley\/idb-store$/, replacement: src("./packages/idb-store/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "packages/*/test/**/*.test.tsx", "bench/test/**/*.test.ts"],
    // Caps that only declare a run hung: tests wait for counts and events, and CI may run two suites side by
    // side on two cores (several times slower than an idle run). Tests that spawn processes set TEST_CAP_MS.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
