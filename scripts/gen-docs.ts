/**
 * Generates docs/conversation-types.md from the registered conversation type specs.
 *   npx tsx scripts/gen-docs.ts          write the file
 *   npx tsx scripts/gen-docs.ts --check  exit 1 if the file is missing or stale (CI)
 * A spec the Registry refuses (a missing MUST, an invalid field) fails the run with the registry's message.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { conversationTypes } from "../packages/core/src/conversations/index.js";
import { Registry } from "../packages/core/src/framework/registry.js";
import { renderConversationTypesDoc } from "../packages/core/src/framework/spec-doc.js";

const target = new URL("../docs/conversation-types.md", import.meta.url);
const check = process.argv.includes("--check");

const registry = new Registry();
try {
  for (const spec of conversationTypes) registry.register(spec);
} catch (e) {
  process.stderr.write(`gen-docs: ${(e as Error).message}\n`);
  process.exit(1);
}
for (const w of registry.warnings()) process.stderr.write(`gen-docs: warning: ${w}\n`);

const text = renderConversationTypesDoc(registry);
if (check) {
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current !== text) {
    process.stderr.write("gen-docs: docs/conversation-types.md is stale; run `npx tsx scripts/gen-docs.ts`\n");
    process.exit(1);
  }
  process.stdout.write("gen-docs: docs/conversation-types.md is up to date\n");
} else {
  writeFileSync(target, text);
  process.stdout.write(`gen-docs: wrote docs/conversation-types.md (${conversationTypes.length} types)\n`);
}
