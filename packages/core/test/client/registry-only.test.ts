/**
 * The Client dispatches only through the registry: no file under `src/client/` names a built-in type (its
 * identifiers, constants or strings) or imports a type's folder; the built-in types reach the Client through
 * one catalog (`conversations/catalog.ts`). Comments may name types (they explain), code may not.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLIENT = fileURLToPath(new URL("../../src/client/", import.meta.url));
const TYPE_NAME =
  /PrivateV1|GroupV1|InboxV1|AccountDirectV1|AccountSelfV1|PRIVATE_V1|GROUP_V1|INBOX_V1|ACCOUNT_DIRECT|ACCOUNT_SELF/;
const TYPE_IMPORT = /from\s+["'][^"']*conversations\/(private-v1|group-v1|inbox-v1)\//;

/** The source without its comments (strings and code stay). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Every line of `source` that names a type or imports a type's folder. */
function violations(source: string): string[] {
  return code(source)
    .split("\n")
    .filter((l) => TYPE_NAME.test(l) || TYPE_IMPORT.test(l))
    .map((l) => l.trim());
}

describe("client/ dispatches only through the registry", () => {
  it("finds a type name or a type import when there is one (the check can fail)", () => {
    expect(violations(`import { PRIVATE_V1 } from "../conversations/private-v1/index.js";`)).toHaveLength(1);
    expect(violations(`const t = "GroupV1";`)).toHaveLength(1);
    expect(violations(`import { x } from "../conversations/inbox-v1/state.js";`)).toHaveLength(1);
    expect(violations(`const s = c.frame as InboxV1Opened;`)).toHaveLength(1);
    expect(violations(`/** Starts a PrivateV1 conversation. */\nconst ok = 1; // GroupV1 too`)).toEqual([]);
  });

  it("no file under src/client names a built-in type or imports its folder", () => {
    const files = readdirSync(CLIENT).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) => violations(readFileSync(join(CLIENT, f), "utf8")).map((l) => `${f}: ${l}`));
    expect(found).toEqual([]);
  });
});

const CONVERSATIONS = fileURLToPath(new URL("../../src/conversations/", import.meta.url));

/**
 * The type folders a file of `type`'s folder reaches into, other than its own (`content/` is shared, not a
 * type). A type built on another imports only that type's declared surface for extensions, `extension.ts`.
 */
function crossTypeImports(type: string, source: string): string[] {
  const found: string[] = [];
  for (const m of code(source).matchAll(/from\s+["']\.\.\/([a-z0-9-]+)\/([^"']+)["']/g))
    if (m[1] !== type && m[1] !== "content" && m[2] !== "extension.js") found.push(m[1]!);
  return found;
}

describe("a conversation type does not reach into another type's folder (only its extension.ts)", () => {
  it("finds an import of another type's folder when there is one (the check can fail)", () => {
    expect(crossTypeImports("private-v1", `import { initiateInbox } from "../inbox-v1/handshake.js";`)).toEqual([
      "inbox-v1",
    ]);
    expect(crossTypeImports("private-v1", `import { x } from "../../framework/lifecycle.js";`)).toEqual([]);
    expect(crossTypeImports("private-v1", `import { x } from "../content/index.js";`)).toEqual([]);
    expect(crossTypeImports("account-direct-v1", `import { GroupV1Engine } from "../group-v1/engine.js";`)).toEqual([
      "group-v1",
    ]);
    expect(crossTypeImports("account-direct-v1", `import { GroupV1Engine } from "../group-v1/extension.js";`)).toEqual(
      [],
    );
  });

  it("no file under conversations/<type>/ imports another type's folder (catalog.ts lists them all)", () => {
    const types = readdirSync(CONVERSATIONS, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "content")
      .map((d) => d.name);
    expect(types.length).toBeGreaterThanOrEqual(3);
    const found = types.flatMap((t) =>
      readdirSync(join(CONVERSATIONS, t))
        .filter((f) => f.endsWith(".ts"))
        .flatMap((f) =>
          crossTypeImports(t, readFileSync(join(CONVERSATIONS, t, f), "utf8")).map((x) => `${t}/${f}: ${x}`),
        ),
    );
    expect(found).toEqual([]);
  });
});
