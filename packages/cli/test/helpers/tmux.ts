import { spawnSync } from "node:child_process";
import { MAIN, REPO } from "./cli.js";
import { HUNG_AFTER_MS } from "./patience.js";

/**
 * A private tmux server (its own socket, so nothing else is touched) whose windows run `parley chat`.
 * Screens are read with capture-pane (plain text) and keys sent with send-keys; every wait is bounded.
 */
export class Tmux {
  readonly socket = `parley-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private tmux(args: readonly string[]): string {
    const r = spawnSync("tmux", ["-L", this.socket, ...args], { cwd: REPO, encoding: "utf8", timeout: HUNG_AFTER_MS });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** A shell line running `parley ARGS`; after it exits the pane shows `EXITED <code>` and stays open. */
  private command(args: readonly string[]): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // ink renders nothing interactive when CI is set (is-in-ci), and CI runs with CI=true: unset it for the chat.
    return `env -u CI ${q(process.execPath)} ${q(MAIN)} ${args.map(q).join(" ")}; echo EXITED $?; sleep 600`;
  }

  /** Opens session `name` running `parley ARGS` in a 120x40 terminal. */
  start(name: string, args: readonly string[]): void {
    const exists = spawnSync("tmux", ["-L", this.socket, "has-session", "-t", name], { stdio: "ignore" }).status === 0;
    if (exists) this.tmux(["respawn-pane", "-k", "-t", name, this.command(args)]);
    else this.tmux(["new-session", "-d", "-s", name, "-x", "120", "-y", "40", this.command(args)]);
  }

  screen(name: string): string {
    return this.tmux(["capture-pane", "-p", "-J", "-t", name]);
  }

  /** Types `text` literally, then Enter. */
  type(name: string, text: string): void {
    this.tmux(["send-keys", "-t", name, "-l", text]);
    this.tmux(["send-keys", "-t", name, "Enter"]);
  }

  keys(name: string, ...keys: string[]): void {
    this.tmux(["send-keys", "-t", name, ...keys]);
  }

  /** Waits until the screen matches; the error shows the last screen. */
  async waitFor(name: string, pattern: RegExp, timeoutMs = HUNG_AFTER_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      last = this.screen(name);
      if (pattern.test(last)) return last;
      if (Date.now() > deadline) throw new Error(`screen "${name}" never matched ${pattern}:\n${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  kill(): void {
    spawnSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" });
  }
}
