import type { Section } from "./harness.js";

/** Every benchmark section, in the order `npm run bench` runs them. Add one import and one entry per section. */
export const sections: Record<string, Section> = {};
