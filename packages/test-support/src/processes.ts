/**
 * Child processes for tests: spawning Node programs (built or under tsx) with a colour-free environment,
 * collecting their output as lines, waiting for a line or JSON event (bounded by the hung-run cap, woken by
 * output or exit, never by polling for time), and ending every process a test file started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "./patience.js";

/** The repository root: children run there, as `npm test` does. */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export interface SpawnOptions {
  /** Load `entry` through tsx (a TypeScript entry point, no build step). */
  readonly tsx?: boolean;
  /** Set on top of the test's environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdin?: "pipe" | "ignore";
  readonly stderr?: "pipe" | "inherit";
}

/** Every child `spawnNode` started that has not exited yet (this test file's only: each file is its own fork). */
const live = new Set<ChildProcess>();

/** Runs `node [--import tsx] entry ...args` in the repository root, with colours off. */
export function spawnNode(entry: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [...(options.tsx ? ["--import", "tsx"] : []), entry, ...args], {
    cwd: REPO,
    env,
    stdio: [options.stdin ?? "pipe", "pipe", options.stderr ?? "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Sends `signal`, then SIGKILL if the child is still there after `graceMs`; resolves with the exit code (null if
 * killed). The default grace is the hung-run cap: tests assert a clean stop, which a loaded machine may take
 * long to reach.
 */
export function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = HUNG_AFTER_MS,
): Promise<number | null> {
  if (hasExited(child)) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Ends every child still running that `spawnNode` started (an afterEach safety net). */
export async function killAll(signal: NodeJS.Signals = "SIGTERM", graceMs = 3_000): Promise<void> {
  await Promise.all([...live].map((c) => terminate(c, signal, graceMs)));
}

/**
 * A child's stdout as complete lines (a line cut off by a kill is not one) and its stderr as text. Waits look
 * at the lines already there, then sleep until more output or the end of the output, up to a cap.
 */
export class ChildLines {
  readonly lines: string[] = [];
  stderr = "";
  /** Resolves with the exit code once the child exited and all its output was read. */
  readonly closed: Promise<number | null>;
  #closed = false;
  #cursor = 0;
  readonly #waiters = new Set<() => void>();

  /** `onLine` sees each line as it comes (before any waiter), e.g. to kill the child at a chosen point. */
  constructor(
    readonly child: ChildProcess,
    onLine?: (line: string) => void,
  ) {
    let partial = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      partial += chunk;
      for (let nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
        const line = partial.slice(0, nl).replace(/\r$/, "");
        partial = partial.slice(nl + 1);
        this.lines.push(line);
        onLine?.(line);
      }
      this.#wake();
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.closed = new Promise((resolve) =>
      child.once("close", (code: number | null) => {
        this.#closed = true;
        this.#wake();
        resolve(code);
      }),
    );
  }

  /** Whether the child exited and its output was read to the end. */
  get done(): boolean {
    return this.#closed;
  }

  /** Index of the first line at or after `from` that `match` accepts; fails if the child ends first, or at the cap. */
  async waitIndex(match: (line: string) => boolean, from = 0, timeoutMs = HUNG_AFTER_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ; ) {
      for (; i < this.lines.length; i++) if (match(this.lines[i]!)) return i;
      if (this.#closed)
        throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}): ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms: ${this.tail()}`);
      await this.#output(left);
    }
  }

  /** The first line (from the start) that `match` accepts. */
  async waitLine(match: (line: string) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<string> {
    return this.lines[await this.waitIndex(match, 0, timeoutMs)]!;
  }

  /** The first line after the one `nextLine` last returned that `match` accepts. */
  async nextLine(match: (line: string) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<string> {
    const i = await this.waitIndex(match, this.#cursor, timeoutMs);
    this.#cursor = i + 1;
    return this.lines[i]!;
  }

  /** Writes one line to the child's stdin. */
  write(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** The last lines and stderr, for failure messages. */
  tail(): string {
    return `stdout …${this.lines.slice(-8).join(" | ")}; stderr: ${this.stderr.slice(-2000)}`;
  }

  /** `signal` (SIGKILL after `graceMs`); resolves with the exit code once the output is read. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = HUNG_AFTER_MS): Promise<number | null> {
    await terminate(this.child, signal, graceMs);
    return this.closed;
  }

  /** SIGKILL; resolves once the child is gone and its output read. */
  kill(): Promise<number | null> {
    if (!hasExited(this.child)) this.child.kill("SIGKILL");
    return this.closed;
  }

  /** Resolves at the next output or end of output, or after `ms`. */
  #output(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

export type JsonEvent = Record<string, unknown>;

/**
 * A child that reports JSON objects, one a line, and takes JSON commands on stdin. `key` names the field that
 * says what an event is ("event", or "e" where lines are kept short); an event of kind `failOn` fails any wait.
 */
export class JsonLinesChild extends ChildLines {
  constructor(
    child: ChildProcess,
    readonly key = "event",
    readonly failOn?: string,
  ) {
    super(child);
  }

  /** Every event so far. */
  events(): JsonEvent[] {
    return this.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as JsonEvent);
  }

  send(command: JsonEvent): void {
    this.write(JSON.stringify(command));
  }

  /** The next event of that kind (after the one `next` last returned) that `where` accepts. */
  async next(kind: string, where: (e: JsonEvent) => boolean = () => true, timeoutMs?: number): Promise<JsonEvent> {
    return JSON.parse(await this.nextLine(this.#matcher(kind, where), timeoutMs)) as JsonEvent;
  }

  /** An event of that kind anywhere in the output so far or to come (it does not move `next`'s place). */
  async seen(kind: string, where: (e: JsonEvent) => boolean = () => true, timeoutMs?: number): Promise<JsonEvent> {
    return JSON.parse(await this.waitLine(this.#matcher(kind, where), timeoutMs)) as JsonEvent;
  }

  /** Sends a command and waits for its answer event. */
  async call(command: JsonEvent, answer: string, timeoutMs?: number): Promise<JsonEvent> {
    this.send(command);
    return this.next(answer, () => true, timeoutMs);
  }

  #matcher(kind: string, where: (e: JsonEvent) => boolean): (line: string) => boolean {
    return (line) => {
      if (!line.startsWith("{")) return false;
      const e = JSON.parse(line) as JsonEvent;
      if (this.failOn !== undefined && e[this.key] === this.failOn)
        throw new Error(`child reported ${this.failOn}: ${line}`);
      return e[this.key] === kind && where(e);
    };
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a Node program to its end and collects its output; SIGKILL if it hangs for `timeoutMs`. */
export function runToEnd(
  entry: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawnNode(entry, args, { stdin: "ignore", ...options });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const t = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? HUNG_AFTER_MS);
  return new Promise((resolve) =>
    child.once("close", (code: number | null) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A free TCP port on loopback (so a restarted node can come back on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
