import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const BUNDLE = /^logos_chatintro_1_[A-Za-z0-9_-]{100,}$/;

describe("parley intro", { timeout: TEST_CAP_MS }, () => {
  it("creates the identity once and prints the same bundle after a restart; other profiles differ", async () => {
    const data = mkdtempSync(join(tmpdir(), "parley-cli-intro-"));
    dirs.push(data);
    const first = await runCli(["intro", "--name", "bob", "--data", data]);
    expect(first.code, first.stderr).toBe(0);
    const bundle = first.stdout.trim();
    expect(bundle).toMatch(BUNDLE);
    expect(statSync(join(data, "bob.db")).isFile()).toBe(true);
    const again = await runCli(["intro", "--name", "bob", "--data", data]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(bundle);
    const alice = await runCli(["intro", "--name", "alice", "--data", data]);
    expect(alice.stdout.trim()).toMatch(BUNDLE);
    expect(alice.stdout.trim()).not.toBe(bundle);
  });

  it("keeps an encrypted profile readable only with its key", async () => {
    const data = mkdtempSync(join(tmpdir(), "parley-cli-intro-"));
    dirs.push(data);
    const env = { PARLEY_STORE_KEY: "correct horse battery staple" };
    const first = await runCli(["intro", "--name", "eve", "--data", data], undefined, env);
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(["intro", "--name", "eve", "--data", data], undefined, env);
    expect(again.stdout).toBe(first.stdout);
    const wrong = await runCli(["intro", "--name", "eve", "--data", data], undefined, { PARLEY_STORE_KEY: "wrong" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toBe("");
  });
});
