import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

it("`npx parley` runs the clone's parley command, as the README says (offline, with a private npm cache)", () => {
  const cache = mkdtempSync(join(tmpdir(), "parley-npx-cache-"));
  try {
    const r = spawnSync("npx", ["--offline", "parley", "chat", "--help"], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: "false" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Usage: parley chat");
    expect(r.stdout).toContain("/send PATH");
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
