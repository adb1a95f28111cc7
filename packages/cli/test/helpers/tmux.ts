import { spawnSync } from "node:child_process";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { MAIN, REPO } from "./cli.js";

/**
 * A private tmux server (its own socket, so nothing else is touched) whose windows run `parley chat`.
 * Screens are read with capture-pane (plain text) and keys sent with send-keys; every wait is bounded.
 */
export class Tmux {
  readonly socket = `parley-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private tmux(args: readonly string[], input?: string): string {
    const r = spawnSync("tmux", ["-L", this.socket, ...args], {
      cwd: REPO,
      encoding: "utf8",
      timeout: HUNG_AFTER_MS,
      ...(input !== undefined ? { input } : {}),
    });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** A shell line running `parley ARGS`; after it exits the pane shows `EXITED <code>` and stays open. */
  private command(args: readonly string[]): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // ink renders nothing interactive when CI is set (is-in-ci), and CI runs with CI=true: unset it for the chat.
    return `env -u CI ${q(process.execPath)} ${q(MAIN)} ${args.map(q).join(" ")}; echo EXITED $?; sleep 600`;
  }

  /** Opens session `name` running `parley ARGS` in a terminal of `size` (default 120x40). */
  start(name: string, args: readonly string[], size = { columns: 120, rows: 40 }): void {
    const exists = spawnSync("tmux", ["-L", this.socket, "has-session", "-t", name], { stdio: "ignore" }).status === 0;
    if (exists) this.tmux(["respawn-pane", "-k", "-t", name, this.command(args)]);
    else
      this.tmux([
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        String(size.columns),
        "-y",
        String(size.rows),
        this.command(args),
      ]);
  }

  /**
   * Pastes `text` as a terminal does: line breaks become carriage returns, and with `bracketed` the text is
   * marked as a paste when the program asked for that (bracketed paste mode).
   */
  paste(name: string, text: string, bracketed = true): void {
    this.tmux(["load-buffer", "-b", "test-paste", "-"], text);
    this.tmux(["paste-buffer", "-d", ...(bracketed ? ["-p"] : []), "-b", "test-paste", "-t", name]);
  }

  screen(name: string): string {
    return this.tmux(["capture-pane", "-p", "-J", "-t", name]);
  }

  /**
   * Types `text` literally, waits until the program shows it at the end of its input line, presses Enter and
   * waits until the line is gone. Waiting keeps Enter out of the reads of the text before and after it: a
   * carriage return inside one read is a pasted line break to `parley chat`, as in other terminal chats.
   */
  async type(name: string, text: string, timeoutMs = HUNG_AFTER_MS): Promise<void> {
    this.tmux(["send-keys", "-t", name, "-l", text]);
    const tail = text.trimEnd().slice(-12);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen(name);
      const last = screen.trimEnd().split("\n").at(-1) ?? "";
      if (last.trimEnd().endsWith(tail) || /EXITED \d+/.test(screen)) break;
      if (Date.now() > deadline) throw new Error(`screen "${name}" never showed the typed text:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.tmux(["send-keys", "-t", name, "Enter"]);
    // And until Enter took the line away, so what is typed next does not share a read with it.
    const after = Date.now() + timeoutMs;
    while (Date.now() < after) {
      const screen = this.screen(name);
      const last = screen.trimEnd().split("\n").at(-1) ?? "";
      if (!last.trimEnd().endsWith(tail) || /EXITED \d+/.test(screen)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  keys(name: string, ...keys: string[]): void {
    this.tmux(["send-keys", "-t", name, ...keys]);
  }

  /** Whether the program in session `name` rang the terminal bell. */
  rang(name: string): boolean {
    return this.tmux(["display-message", "-p", "-t", name, "#{window_bell_flag}"]).trim() === "1";
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
