/** Runs a crash-test child under tsx and SIGKILLs it at a chosen moment; collects its stdout lines. */
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { ChildLines, hasExited, spawnNode } from "@parley/test-support/processes";

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
export async function runAndKill(
  script: string,
  args: string[],
  beforeReady: boolean,
  delayMs: number,
  afterCommits = 0,
): Promise<ChildRun> {
  const child = spawnNode(script, args, { tsx: true, env: { TSX_TSCONFIG_PATH: TSCONFIG }, stdin: "ignore" });
  const run: ChildRun = { lines: [], sawReady: false, signal: null, stderr: "" };
  let timer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (!hasExited(child)) child.kill("SIGKILL");
  };
  if (beforeReady) timer = setTimeout(kill, delayMs);
  const safety = setTimeout(kill, HUNG_AFTER_MS);
  let commits = 0;
  const output = new ChildLines(child, (line) => {
    if (line.startsWith("ready") && !run.sawReady) run.sawReady = true;
    else if (line.startsWith("c ")) commits++;
    if (!beforeReady && timer === undefined && run.sawReady && commits >= afterCommits) {
      timer = setTimeout(kill, delayMs);
    }
  });
  await output.closed;
  clearTimeout(timer);
  clearTimeout(safety);
  run.lines.push(...output.lines);
  run.stderr = output.stderr;
  run.signal = child.signalCode;
  return run;
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
