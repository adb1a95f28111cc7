/** Runs core's Store conformance suite over IdbStore: plain and encrypted, each with reopening. */
import type { Store } from "@parley/core";
import { storeConformance } from "@parley/core/testing/store-conformance";
import { IdbStore } from "@parley/idb-store";

let n = 0;

export function idbConformance(where: string, options: { lock: boolean }): void {
  const persistent = (passphrase?: string) => {
    let name = "";
    const open = () =>
      IdbStore.open({ name, lock: options.lock, ...(passphrase ? { passphrase, iterations: 1000 } : {}) });
    return {
      make: () => {
        name = `conformance-${Date.now()}-${n++}`;
        return open();
      },
      reopen: async (store: Store) => {
        await store.close();
        return open();
      },
    };
  };
  const plain = persistent();
  storeConformance(`IdbStore (${where})`, plain.make, { reopen: plain.reopen });
  const encrypted = persistent("correct horse battery staple");
  storeConformance(`IdbStore (${where}, encrypted)`, encrypted.make, { reopen: encrypted.reopen });
}
