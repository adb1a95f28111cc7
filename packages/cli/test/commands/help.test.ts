import { TEST_CAP_MS } from "@parley/test-support/patience";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("parley --help", { timeout: TEST_CAP_MS }, () => {
  it("lists every command with a description and examples", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const cmd of ["demo", "node", "intro", "chat", "bench"])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${cmd}\\b.*\\S`));
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("$ parley demo");
  });

  it.each([
    ["demo", ["--keep", "--pace", "Examples:"]],
    ["node", ["--data", "--port", "--ws-port", "--cluster", "--peer", "SIGTERM", "Examples:"]],
    ["intro", ["--name", "--data", "logos_chatintro_1_", "Examples:"]],
    ["chat", ["--name", "--data", "--node", "/new <bundle> <message>", "✓✓", "Examples:"]],
    ["bench", ["bench/dist/run.js", "Examples:"]],
  ])("parley %s --help documents its options", async (cmd, words) => {
    const r = await runCli([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: parley ${cmd}`);
    for (const w of words) expect(r.stdout).toContain(w);
  });

  it("rejects a bad option with exit code != 0 and says why", async () => {
    const r = await runCli(["intro"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/required option '--name <name>'/);
    const bad = await runCli(["intro", "--name", "../etc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --name/);
    const port = await runCli(["node", "--port", "99999"]);
    expect(port.code).not.toBe(0);
    expect(port.stderr).toMatch(/--port must be a port number/);
  });

  it("parley chat refuses to run without a terminal, and says what to use instead", async () => {
    const noTty = await runCli(["chat", "--name", "x", "--data", "/nonexistent-parley-dir"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/needs an interactive terminal.*parley demo/);
  });
});
