/** Drives holder.ts in a child process: its stdout lines, commands on stdin, waits bounded by events. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HOLDER = fileURLToPath(new URL("./holder.ts", import.meta.url));
const TSCONFIG = fileURLToPath(new URL("../durability/tsconfig.json", import.meta.url));
/** A cap for a child's answer that only a hung child reaches (start-up under tsx on a loaded machine included). */
const ANSWER_CAP_MS = 120_000;

const live = new Set<ChildProcess>();

export class Holder {
  readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        live.delete(child);
        this.wake?.();
        resolve(code);
      }),
    );
  }

  static spawn(args: readonly string[]): Holder {
    const child = spawn(process.execPath, ["--import", "tsx", HOLDER, ...args], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      stdio: ["pipe", "pipe", "inherit"],
    });
    live.add(child);
    return new Holder(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line from index `from` on that matches, waiting for lines or the exit; fails if it exits first. */
  async line(match: (l: string) => boolean, from = 0): Promise<string> {
    const deadline = Date.now() + ANSWER_CAP_MS;
    let seen = from;
    for (;;) {
      for (; seen < this.lines.length; seen++) if (match(this.lines[seen]!)) return this.lines[seen]!;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`holder exited (${this.child.exitCode ?? this.child.signalCode}): ${this.lines.join(" | ")}`);
      if (Date.now() > deadline) throw new Error(`holder never answered: ${this.lines.join(" | ")}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1_000);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** "ready <pid>" or "locked <json>": whichever comes first. */
  async outcome(): Promise<{ ready: true } | { ready: false; code: string; pid?: number; message: string }> {
    const l = await this.line((x) => x.startsWith("ready ") || x.startsWith("locked "));
    if (l.startsWith("ready ")) return { ready: true };
    return {
      ready: false,
      ...(JSON.parse(l.slice("locked ".length)) as { code: string; pid?: number; message: string }),
    };
  }

  async send(command: string, answer: (l: string) => boolean): Promise<string> {
    const before = this.lines.length;
    this.child.stdin!.write(`${command}\n`);
    return this.line(answer, before);
  }

  exit(): Promise<number | null> {
    return this.exited;
  }

  kill(): Promise<number | null> {
    this.child.kill("SIGKILL");
    return this.exited;
  }
}

export async function killHolders(): Promise<void> {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once("exit", () => resolve());
          c.kill("SIGKILL");
        }),
    ),
  );
}
