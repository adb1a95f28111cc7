import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "../../../waku/test/helpers/patience.js";

/**
 * Child processes for multi-process tests: the `parley node` program and JSON-line driven clients. Every
 * wait is bounded; `stop()` ends the process (SIGTERM, then SIGKILL) and `killAll()` is the safety net for
 * afterEach. A later chat-level test can reuse `JsonLinesProcess` with a Client-based script.
 */
const repo = fileURLToPath(new URL("../../../../", import.meta.url));
export const NODE_MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
/** A WakuDelivery client driven by JSON lines, from @parley/waku's own tests. */
export const PEER_MAIN = fileURLToPath(new URL("../../../waku/test/helpers/peer-main.ts", import.meta.url));

const live = new Set<ChildProcess>();

/** Spawns a TypeScript entry point with Node and tsx (no build step needed). */
export function spawnTs(file: string, args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: repo,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => terminate(c, 3_000)));
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). The default grace is a
 * hang cap: tests assert a clean stop (exit 0), which a loaded machine may take long to reach.
 */
export function terminate(child: ChildProcess, graceMs = HUNG_AFTER_MS): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
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

/** Line-oriented child: collects stdout lines and waits for the one a predicate accepts. */
export class LinesProcess {
  readonly lines: string[] = [];
  stderr = "";
  private cursor = 0;
  private wake?: () => void;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    child.once("exit", () => this.wake?.());
  }

  /** The next line (after the previously matched one) that `match` accepts. */
  async nextLine(match: (line: string) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.lines.length) {
        const l = this.lines[this.cursor++]!;
        if (match(l)) return l;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}); stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; lines: ${this.lines.join(" | ")}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  stop(graceMs?: number): Promise<number | null> {
    return terminate(this.child, graceMs);
  }
}

/** `parley node` in a child process. */
export class NodeProcess extends LinesProcess {
  multiaddrs: string[] = [];

  static async start(args: readonly string[]): Promise<NodeProcess> {
    const p = new NodeProcess(spawnTs(NODE_MAIN, [...args, "--heartbeat", "100"]));
    p.multiaddrs.push(await p.nextLine((l) => l.startsWith("/ip4/")));
    // Give the optional ws line a moment only if it is already there; the first address is enough to dial.
    for (const l of p.lines) if (l.startsWith("/ip4/") && !p.multiaddrs.includes(l)) p.multiaddrs.push(l);
    return p;
  }

  get tcp(): string {
    return this.multiaddrs.find((m) => !m.includes("/ws"))!;
  }
}

export type PeerEvent = { event: string } & Record<string, unknown>;

/** A JSON-lines driven client process (see peer-main.ts). */
export class JsonLinesProcess extends LinesProcess {
  static start(file: string, args: readonly string[]): JsonLinesProcess {
    return new JsonLinesProcess(spawnTs(file, args));
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  async next(event: string, where: (e: PeerEvent) => boolean = () => true, timeoutMs?: number): Promise<PeerEvent> {
    const line = await this.nextLine((l) => {
      if (!l.startsWith("{")) return false;
      const e = JSON.parse(l) as PeerEvent;
      return e.event === event && where(e);
    }, timeoutMs);
    return JSON.parse(line) as PeerEvent;
  }

  /** Sends a command and waits for its answer event. */
  async call(command: Record<string, unknown>, answer: string, timeoutMs?: number): Promise<PeerEvent> {
    this.send(command);
    return this.next(answer, () => true, timeoutMs);
  }
}
