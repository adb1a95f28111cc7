import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, REPO, startNode, terminate } from "../helpers/cli.js";
import { HUNG_AFTER_MS, TEST_CAP_MS } from "../helpers/patience.js";

const PEER = fileURLToPath(new URL("../helpers/chat-peer.ts", import.meta.url));
type Event = { event: string } & Record<string, unknown>;

const peers = new Set<ChildProcess>();
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all([...peers].map((p) => terminate(p, "SIGKILL", 1_000)));
  peers.clear();
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A chat client process (library + profile, as `parley chat` uses them) driven by JSON lines. */
class Peer {
  readonly events: Event[] = [];
  private cursor = 0;
  private wake?: () => void;
  stderr = "";

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (l.startsWith("{")) this.events.push(JSON.parse(l) as Event);
      this.wake?.();
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    child.once("exit", () => this.wake?.());
  }

  static async start(data: string, name: string, node: string): Promise<Peer> {
    const child = spawn(process.execPath, ["--import", "tsx", PEER, data, name, node], {
      cwd: REPO,
      stdio: ["pipe", "pipe", "pipe"],
    });
    peers.add(child);
    const p = new Peer(child);
    expect((await p.next("ready")).connected).toBe(true);
    return p;
  }

  send(c: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(c)}\n`);
  }

  /** The next event of that kind (after the last one returned) that `where` accepts. */
  async next(event: string, where: (e: Event) => boolean = () => true, timeoutMs = HUNG_AFTER_MS): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.events.length; i++) {
        const e = this.events[i]!;
        if (e.event === "error") throw new Error(`peer error: ${String(e.message)}`);
        if (e.event === event && where(e)) {
          this.cursor = i + 1;
          return e;
        }
      }
      if (this.child.exitCode !== null) throw new Error(`peer exited; stderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${event}; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** Waits for an event anywhere in the log (order-independent). */
  async seen(event: string, where: (e: Event) => boolean, timeoutMs = HUNG_AFTER_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events.some((e) => e.event === event && where(e))) {
      if (Date.now() > deadline) throw new Error(`never saw ${event}; events: ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  texts(): string[] {
    return this.events.filter((e) => e.event === "message").map((e) => String(e.text));
  }

  async stop(): Promise<void> {
    this.send({ cmd: "stop" });
    await this.next("stopped");
    await terminate(this.child, "SIGTERM", HUNG_AFTER_MS);
  }
}

describe("multi-process over 127.0.0.1 TCP", () => {
  it(
    "parley node + two client processes chat; one stops, receives what was sent meanwhile from the node's history after a restart",
    async () => {
      const data = mkdtempSync(join(tmpdir(), "parley-cli-mp-"));
      dirs.push(data);
      const { node, addr } = await startNode(data);
      const alice = await Peer.start(data, "alice", addr);
      let bob = await Peer.start(data, "bob", addr);

      bob.send({ cmd: "bundle" });
      const bundle = String((await bob.next("bundle")).bundle);
      alice.send({ cmd: "start", bundle, text: "hello bob" });
      const first = await alice.next("sent");
      const conv = String(first.conversationId);
      const started = await bob.next("conversation-started");
      expect(started.initiatedBy).toBe("peer");
      await bob.next("message", (e) => e.text === "hello bob");
      bob.send({ cmd: "send", conversationId: started.conversationId, text: "hello alice" });
      await alice.next("message", (e) => e.text === "hello alice");
      await alice.seen("delivery-state", (e) => e.messageId === first.messageId && e.state === "acked");

      // Bob's process ends; Alice sends three messages (the node relays and keeps them).
      await bob.stop();
      const missed = ["one while away", "two while away", "three while away"];
      const ids: string[] = [];
      for (const text of missed) {
        alice.send({ cmd: "send", conversationId: conv, text });
        const s = await alice.next("sent");
        ids.push(String(s.messageId));
        await alice.seen("delivery-state", (e) => e.messageId === s.messageId && e.state === "sent");
      }

      // A new Bob process on the same profile fetches them from the node's Store, exactly once and in order.
      bob = await Peer.start(data, "bob", addr);
      bob.send({ cmd: "catch-up" });
      const caught = await bob.next("caught-up");
      expect(caught.readable).toBeGreaterThanOrEqual(missed.length);
      expect(bob.texts()).toEqual(missed);
      for (const id of ids) await alice.seen("delivery-state", (e) => e.messageId === id && e.state === "acked");
      // A second catch-up finds nothing new (no duplicates from replays).
      bob.send({ cmd: "catch-up" });
      expect((await bob.next("caught-up")).readable).toBe(0);
      expect(bob.texts()).toEqual(missed);

      await alice.stop();
      await bob.stop();
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
