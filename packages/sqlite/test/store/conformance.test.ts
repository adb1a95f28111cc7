import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@parley/core";
import { storeConformance } from "@parley/core/testing/store-conformance";
import { SqliteStore } from "@parley/sqlite";
import { afterAll } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function persistent(key?: string) {
  let path = "";
  return {
    make: () => {
      path = join(dir, `store-${n++}.db`);
      return SqliteStore.open({ path, key });
    },
    reopen: async (store: Store) => {
      await store.close();
      return SqliteStore.open({ path, key });
    },
  };
}

const plain = persistent();
storeConformance("SqliteStore (file)", plain.make, { reopen: plain.reopen });

storeConformance("SqliteStore (:memory:)", () => SqliteStore.open({ path: ":memory:" }));

const encrypted = persistent("correct horse battery staple");
storeConformance("SqliteStore (file, encrypted)", encrypted.make, { reopen: encrypted.reopen });
