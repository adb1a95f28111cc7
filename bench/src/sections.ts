import { accountsSection } from "./accounts.js";
import { classifySection } from "./classify.js";
import { cryptoSection } from "./crypto.js";
import { groupSection } from "./group.js";
import type { Section } from "./harness.js";
import { hostileSection } from "./hostile.js";
import { memorySection } from "./memory.js";
import { primitivesSection } from "./primitives.js";
import { privateV1Section } from "./private-v1.js";
import { scalingSection } from "./scaling.js";
import { sqliteFileSection } from "./sqlite-section.js";
import { store } from "./store.js";
import { waku } from "./waku.js";

/** Every benchmark section, in the order `npm run bench` runs them. Add one import and one entry per section. */
export const sections: Record<string, Section> = {
  crypto: cryptoSection,
  primitives: primitivesSection,
  classify: classifySection,
  "private-v1": privateV1Section,
  group: groupSection,
  store,
  waku,
  memory: memorySection,
  scaling: scalingSection,
  "sqlite-file": sqliteFileSection,
  hostile: hostileSection,
  accounts: accountsSection,
  // Loaded only when it runs: it brings vite and playwright-core.
  browser: async () => (await import("./browser.js")).browserSection(),
};
