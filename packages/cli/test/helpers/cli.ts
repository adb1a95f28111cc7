import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { ChildLines, type RunResult, runToEnd, spawnNode } from "@parley/test-support/processes";
import { nodeAddressFile } from "../../src/paths.js";

export { killAll, REPO, type RunResult, terminate } from "@parley/test-support/processes";

/**
 * Runs the built `parley` command (packages/cli/dist/main.js; the test script builds before vitest) as a
 * child process. Every wait is bounded and `killAll()` ends whatever a test left running.
 */
export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** Runs `parley ARGS` to completion (SIGKILL if it hangs for `timeoutMs`). */
export function runCli(
  args: readonly string[],
  timeoutMs = HUNG_AFTER_MS,
  env: Readonly<Record<string, string>> = {},
): Promise<RunResult> {
  return runToEnd(MAIN, args, { timeoutMs, env });
}

/** A long-running `parley` (e.g. `parley node`) with its stdout lines. */
export class CliProcess extends ChildLines {
  static start(args: readonly string[]): CliProcess {
    return new CliProcess(spawnNode(MAIN, args, { stdin: "ignore" }));
  }
}

/** Starts `parley node` on free loopback ports; resolves once it printed its TCP address. */
export async function startNode(
  dataDir: string,
  extra: readonly string[] = [],
): Promise<{ node: CliProcess; addr: string }> {
  const node = CliProcess.start([
    "node",
    "--data",
    dataDir,
    "--port",
    "0",
    "--ws-port",
    "off",
    "--heartbeat",
    "100",
    ...extra,
  ]);
  const addr = await node.waitLine((l) => l.startsWith("/ip4/127.0.0.1/tcp/"));
  return { node, addr };
}

/** The multiaddrs a running `parley node` published in its data directory, one a line. */
export function readNodeAddresses(dataDir: string): string[] {
  return readFileSync(nodeAddressFile(dataDir), "utf8").split("\n").filter(Boolean);
}

export function hasTmux(): boolean {
  return spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
}
