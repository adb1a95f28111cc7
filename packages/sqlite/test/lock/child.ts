/** Drives holder.ts in a child process: its stdout lines, commands on stdin, waits bounded by events. */
import { fileURLToPath } from "node:url";
import { ChildLines, killAll, spawnNode } from "@parley/test-support/processes";

const HOLDER = fileURLToPath(new URL("./holder.ts", import.meta.url));
const TSCONFIG = fileURLToPath(new URL("../durability/tsconfig.json", import.meta.url));

export class Holder extends ChildLines {
  static spawn(args: readonly string[]): Holder {
    const env = { TSX_TSCONFIG_PATH: TSCONFIG };
    return new Holder(spawnNode(HOLDER, args, { tsx: true, env, stderr: "inherit" }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line from index `from` on that matches; fails if the holder exits first. */
  async line(match: (l: string) => boolean, from = 0): Promise<string> {
    return this.lines[await this.waitIndex(match, from)]!;
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
    this.write(command);
    return this.line(answer, before);
  }

  exit(): Promise<number | null> {
    return this.closed;
  }
}

export function killHolders(): Promise<void> {
  return killAll("SIGKILL");
}
