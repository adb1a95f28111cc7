// The Store contract on fake-indexeddb (a pure-JS IndexedDB that passes the W3C IndexedDB tests) in Node.
// The same suite runs on Chromium's real IndexedDB in test/browser/conformance.spec.ts.
import "fake-indexeddb/auto";
import { idbConformance } from "./support/idb-conformance.js";

idbConformance("fake-indexeddb", { lock: false });
