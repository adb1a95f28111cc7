/**
 * Child processes of the client crash test: the Waku service node (the built `@parley/node` main) and JSON-line
 * parties (party-main.ts under tsx). Every wait is bounded; `killAll()` ends whatever a test left running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "./patience.js";

export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
export const NODE_MAIN = fileURLToPath(new URL("../../../node/dist/main.js", import.meta.url));
const PARTY_MAIN = fileURLToPath(new URL("./party-main.ts", import.meta.url));

const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** SIGKILLs every child still running (only the ones this module started) and waits for them. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => kill(c)));
}

export function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Lines of a child's stdout; waits for the first line (from a cursor) that a predicate accepts. */
class Lines {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<void>;
  private wake?: () => void;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => this.wake?.());
  }

  get done(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Index of the first line at or after `from` that `match` accepts; a hang fails after `timeoutMs`. */
  async waitLine(match: (line: string) => boolean, from = 0, timeoutMs = HUNG_AFTER_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (let i = from; ; ) {
      for (; i < this.lines.length; i++) if (match(this.lines[i]!)) return i;
      if (this.done)
        throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}): ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms: ${this.tail()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  tail(): string {
    return `stdout …${this.lines.slice(-8).join(" | ")}; stderr: ${this.stderr.slice(-2000)}`;
  }
}

/** The Waku service node (relay + Store on SQLite) on 127.0.0.1, any free port. */
export class NodeProcess extends Lines {
  address = "";

  static async start(dataDir: string): Promise<NodeProcess> {
    if (!existsSync(NODE_MAIN)) throw new Error(`${NODE_MAIN} is missing: build first (npx tsc -b)`);
    const args = ["--data-dir", dataDir, "--port", "0", "--ws-port", "off", "--heartbeat", "100"];
    const p = new NodeProcess(track(spawn(process.execPath, [NODE_MAIN, ...args], { cwd: REPO, stdio: "pipe" })));
    p.address = p.lines[await p.waitLine((l) => l.startsWith("/ip4/127.0.0.1/tcp/"))]!;
    return p;
  }

  /** SIGTERM and wait (SIGKILL only if it hangs); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.done) {
      const t = setTimeout(() => this.child.kill("SIGKILL"), HUNG_AFTER_MS);
      this.child.kill("SIGTERM");
      await this.exited;
      clearTimeout(t);
    }
    return this.child.exitCode;
  }
}

export type PartyEvent = { e: string } & Record<string, unknown>;

/** A party-main.ts process. */
export class PartyProcess extends Lines {
  /** When it was told to go (or spawned, if it does not wait). */
  startedAt = Date.now();
  private cursor = 0;

  /** `waitForGo`: the process loads its modules, then waits for `go()` before it touches any state. */
  static start(args: readonly string[], waitForGo = false): PartyProcess {
    const child = spawn(process.execPath, ["--import", "tsx", PARTY_MAIN, ...args], {
      cwd: REPO,
      stdio: "pipe",
      env: { ...process.env, PARTY_WAIT_GO: waitForGo ? "1" : "0" },
    });
    return new PartyProcess(track(child));
  }

  go(): void {
    this.startedAt = Date.now();
    this.send({ cmd: "go" });
  }

  /** Every JSON event so far. */
  events(): PartyEvent[] {
    return this.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PartyEvent);
  }

  /** The next event of that kind after the last one `next` returned. */
  async next(
    e: string,
    where: (ev: PartyEvent) => boolean = () => true,
    timeoutMs = HUNG_AFTER_MS,
  ): Promise<PartyEvent> {
    const i = await this.waitLine(
      (l) => {
        if (!l.startsWith("{")) return false;
        const ev = JSON.parse(l) as PartyEvent;
        return ev.e === e && where(ev);
      },
      this.cursor,
      timeoutMs,
    );
    this.cursor = i + 1;
    return JSON.parse(this.lines[i]!) as PartyEvent;
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  async call(command: Record<string, unknown>, answer: string, timeoutMs = HUNG_AFTER_MS): Promise<PartyEvent> {
    this.send(command);
    return this.next(answer, () => true, timeoutMs);
  }

  kill(): Promise<void> {
    return kill(this.child);
  }

  /** Asks the party to stop cleanly; SIGKILL only if it hangs. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.send({ cmd: "stop" });
    const t = setTimeout(() => this.child.kill("SIGKILL"), HUNG_AFTER_MS);
    await this.exited;
    clearTimeout(t);
  }
}
