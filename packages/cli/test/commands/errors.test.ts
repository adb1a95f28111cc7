/**
 * Common mistakes get one line on stderr that says what is wrong and what to do, a non-zero exit code, and no
 * stack trace (--debug or PARLEY_DEBUG=1 adds it). Each case spawns the built command.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, type RunResult, runCli } from "../helpers/cli.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await killAll();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "parley-cli-errors-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Exit code as given, stdout empty, stderr exactly one line matching `pattern`, no stack frame. */
function expectOneLine(r: RunResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe("PARLEY_STORE_KEY mistakes", { timeout: TEST_CAP_MS }, () => {
  it("wrong key, missing key, key on an unencrypted profile: which variable, and what to do", async () => {
    const data = tempDir();
    const intro = (name: string, env: NodeJS.ProcessEnv = {}) =>
      runCli(["intro", "--name", name, "--data", data], undefined, env);
    expect((await intro("enc", { PARLEY_STORE_KEY: "right key" })).code).toBe(0);
    expect((await intro("plain", { PARLEY_STORE_KEY: "" })).code).toBe(0);

    expectOneLine(
      await intro("enc", { PARLEY_STORE_KEY: "wrong key" }),
      1,
      /PARLEY_STORE_KEY does not open profile "enc" .*enc\.db.*Set PARLEY_STORE_KEY to the key it was created with/,
    );
    expectOneLine(
      await intro("enc", { PARLEY_STORE_KEY: "" }),
      1,
      /profile "enc" .* is encrypted and PARLEY_STORE_KEY is not set\. Set PARLEY_STORE_KEY/,
    );
    expectOneLine(
      await intro("plain", { PARLEY_STORE_KEY: "some key" }),
      1,
      /profile "plain" .* is not encrypted, but PARLEY_STORE_KEY is set\. Unset PARLEY_STORE_KEY/,
    );
    // The key never appears in what is printed.
    const wrong = await intro("enc", { PARLEY_STORE_KEY: "wrong key" });
    expect(wrong.stderr).not.toContain("wrong key");
  });

  it("--debug anywhere on the line, or PARLEY_DEBUG=1, adds the stack trace", async () => {
    const data = tempDir();
    expect((await runCli(["intro", "--name", "k", "--data", data], undefined, { PARLEY_STORE_KEY: "a" })).code).toBe(0);
    for (const [args, env] of [
      [["--debug", "intro", "--name", "k", "--data", data], { PARLEY_STORE_KEY: "b" }],
      [["intro", "--name", "k", "--data", data, "--debug"], { PARLEY_STORE_KEY: "b" }],
      [["intro", "--name", "k", "--data", data], { PARLEY_STORE_KEY: "b", PARLEY_DEBUG: "1" }],
    ] as const) {
      const r = await runCli(args, undefined, env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: PARLEY_STORE_KEY does not open/);
      expect(r.stderr).toMatch(/SqliteStoreError: the key does not decrypt this database\n\s+at /);
    }
  });
});

describe("addresses and ports", { timeout: TEST_CAP_MS }, () => {
  it.each([
    ["127.0.0.1:60000", /invalid --node: "127\.0\.0\.1:60000" is not a multiaddr/],
    ["ws://127.0.0.1:60001", /invalid --node: .* is not a multiaddr/],
    ["/ip4/127.0.0.1/tcp/99999", /invalid --node: .* is not a valid multiaddr/],
    ["/ip4/127.0.0.1/tcp/1/p2p/not-a-peer", /invalid --node: .* not a peer id/],
    ["/ip4/127.0.0.1/udp/1", /invalid --node: .* names no TCP port/],
  ])("parley chat --node %s is a usage error with the expected form", async (addr, pattern) => {
    const r = await runCli(["chat", "--name", "a", "--data", tempDir(), "--node", addr]);
    expectOneLine(r, 2, pattern);
    expect(r.stderr).toContain("expected a multiaddr like /ip4/127.0.0.1/tcp/60000/p2p/");
  });

  it("parley node: a malformed --peer or --host is a usage error", async () => {
    expectOneLine(
      await runCli(["node", "--data", tempDir(), "--port", "0", "--ws-port", "off", "--peer", "10.0.0.1:60000"]),
      2,
      /invalid --peer: "10\.0\.0\.1:60000" is not a multiaddr/,
    );
    expectOneLine(await runCli(["node", "--data", tempDir(), "--host", "localhost"]), 2, /--host must be an IPv4/);
  });

  it("parley node on a port in use says which and what to do, and leaves no address file", async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const data = tempDir();
    for (const args of [
      ["--port", String(port), "--ws-port", "off"],
      ["--port", "0", "--ws-port", String(port)],
    ]) {
      const r = await runCli(["node", "--data", data, ...args]);
      expectOneLine(r, 1, new RegExp(`cannot listen: 127\\.0\\.0\\.1:${port} is already in use.*--port`));
      expect(existsSync(join(data, "node", "multiaddrs"))).toBe(false);
    }
  });
});

describe("data directory mistakes", { timeout: TEST_CAP_MS }, () => {
  it("--data under a file: one line for intro and node", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "not a directory");
    expectOneLine(
      await runCli(["intro", "--name", "a", "--data", join(file, "sub")]),
      1,
      /cannot use --data .*a-file\/sub: a part of the path is a file, not a directory/,
    );
    expectOneLine(
      await runCli(["node", "--data", file, "--port", "0", "--ws-port", "off"]),
      1,
      /cannot use --data .*a-file: a part of the path is a file/,
    );
  });

  it("a profile file that Parley did not write is named, not dumped as a stack", async () => {
    const data = tempDir();
    writeFileSync(join(data, "x.db"), Buffer.alloc(8192, 0x41));
    expectOneLine(await runCli(["intro", "--name", "x", "--data", data]), 1, /profile "x" .* is encrypted/);
  });
});
