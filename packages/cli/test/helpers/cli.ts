import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "./patience.js";

/**
 * Runs the built `parley` command (packages/cli/dist/main.js; the test script builds before vitest) as a
 * child process. Every wait is bounded and `killAll()` ends whatever a test left running.
 */
export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

const live = new Set<ChildProcess>();

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `parley ARGS` to completion (SIGKILL if it hangs for `timeoutMs`). */
export function runCli(
  args: readonly string[],
  timeoutMs = HUNG_AFTER_MS,
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: REPO,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      live.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `parley` (e.g. `parley node`) with its stdout lines. */
export class CliProcess {
  readonly lines: string[] = [];
  stderr = "";
  private wake?: () => void;

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    child.once("exit", () => this.wake?.());
  }

  static start(args: readonly string[]): CliProcess {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: REPO,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    child.once("exit", () => live.delete(child));
    return new CliProcess(child);
  }

  async waitLine(match: (l: string) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(match);
      if (hit) return hit;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`parley exited (${this.child.exitCode ?? this.child.signalCode}); stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; stdout: ${this.lines.join(" | ")}; stderr: ${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /**
   * SIGTERM (or `signal`), SIGKILL after `graceMs`; resolves with the exit code. Tests assert a clean stop
   * (exit 0), so the grace is a hang cap, not a guess at how long stopping takes.
   */
  stop(signal: NodeJS.Signals = "SIGTERM", graceMs = HUNG_AFTER_MS): Promise<number | null> {
    return terminate(this.child, signal, graceMs);
  }
}

export function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5_000,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill(signal);
  });
}

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => terminate(c, "SIGTERM", 3_000)));
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

export function hasTmux(): boolean {
  return spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
}
