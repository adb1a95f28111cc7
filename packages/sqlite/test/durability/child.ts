/** Runs a crash-test child under tsx and SIGKILLs it at a chosen moment; collects its stdout lines. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const TSCONFIG = fileURLToPath(new URL("./tsconfig.json", import.meta.url));

export interface ChildRun {
  /** Every complete stdout line, in order. */
  readonly lines: string[];
  /** Whether the child printed its "ready ..." line before it died. */
  sawReady: boolean;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Kills the child `delayMs` after spawn (`beforeReady`: the kill can land in start-up, open or WAL recovery) or
 * `delayMs` after its "ready" line and `afterCommits` "c" lines (so a round makes that much progress however
 * slow the machine, and the kill still lands at an arbitrary point of what follows). A safety timer kills it
 * if it hangs.
 */
export function runAndKill(
  script: string,
  args: string[],
  beforeReady: boolean,
  delayMs: number,
  afterCommits = 0,
): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: ChildRun = { lines: [], sawReady: false, signal: null, stderr: "" };
  let buffered = "";
  let timer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  if (beforeReady) timer = setTimeout(kill, delayMs);
  const safety = setTimeout(kill, 120_000);
  let commits = 0;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      run.lines.push(line);
      if (line.startsWith("ready") && !run.sawReady) run.sawReady = true;
      else if (line.startsWith("c ")) commits++;
      if (!beforeReady && timer === undefined && run.sawReady && commits >= afterCommits) {
        timer = setTimeout(kill, delayMs);
      }
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    run.stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(safety);
      run.signal = signal;
      resolve(run);
    });
  });
}

/** A small seeded generator (mulberry32) so a failing schedule of kills can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
