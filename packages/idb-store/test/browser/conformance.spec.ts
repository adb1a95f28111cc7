// The Store contract on Chromium's real IndexedDB, with the profile's Web Lock held (run by
// packages/web/vitest.browser.config.ts).
import { idbConformance } from "../support/idb-conformance.js";

idbConformance("Chromium", { lock: true });
