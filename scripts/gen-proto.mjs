#!/usr/bin/env node
// Regenerates packages/core/src/wire/gen from proto/ with buf + protoc-gen-es (offline).
// With --check, generates into a temporary folder and fails if the committed code differs.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "packages/core/src/wire/gen");
const bin = join(root, "node_modules/.bin");
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const check = process.argv.includes("--check");

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

execFileSync("buf", ["lint"], { cwd: root, env, stdio: "inherit" });
const tmp = mkdtempSync(join(tmpdir(), "parley-gen-"));
try {
  const cfg = readFileSync(join(root, "buf.gen.yaml"), "utf8").replace(
    "out: packages/core/src/wire/gen",
    `out: ${tmp}`,
  );
  writeFileSync(join(tmp, "buf.gen.yaml"), cfg);
  execFileSync("buf", ["generate", "--template", join(tmp, "buf.gen.yaml")], { cwd: root, env, stdio: "inherit" });
  rmSync(join(tmp, "buf.gen.yaml"));
  if (check) {
    const fresh = files(tmp)
      .map((f) => relative(tmp, f))
      .sort();
    let current = [];
    try {
      current = files(out)
        .map((f) => relative(out, f))
        .sort();
    } catch {}
    const stale =
      fresh.join() !== current.join() ||
      fresh.some((f) => readFileSync(join(tmp, f), "utf8") !== readFileSync(join(out, f), "utf8"));
    if (stale) {
      console.error("generated wire code is stale: run `npm run gen` and commit packages/core/src/wire/gen");
      process.exit(1);
    }
    console.log("generated wire code is up to date");
  } else {
    rmSync(out, { recursive: true, force: true });
    cpSync(tmp, out, { recursive: true });
    console.log(`generated ${files(out).length} files into ${relative(root, out)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
