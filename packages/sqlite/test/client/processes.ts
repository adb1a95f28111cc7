/**
 * Child processes of the client crash test: the Waku service node (the built `@parley/node` main) and JSON-line
 * parties (party-main.ts under tsx), on the shared helpers of @parley/test-support.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import {
  ChildLines,
  killAll as endAll,
  type JsonEvent,
  JsonLinesChild,
  spawnNode,
} from "@parley/test-support/processes";

export const NODE_MAIN = fileURLToPath(new URL("../../../node/dist/main.js", import.meta.url));
const PARTY_MAIN = fileURLToPath(new URL("./party-main.ts", import.meta.url));

/** SIGKILLs every child still running (only the ones this test file started) and waits for them. */
export function killAll(): Promise<void> {
  return endAll("SIGKILL");
}

/** The Waku service node (relay + Store on SQLite) on 127.0.0.1, any free port. */
export class NodeProcess extends ChildLines {
  address = "";

  static async start(dataDir: string): Promise<NodeProcess> {
    if (!existsSync(NODE_MAIN)) throw new Error(`${NODE_MAIN} is missing: build first (npx tsc -b)`);
    const args = ["--data-dir", dataDir, "--port", "0", "--ws-port", "off", "--heartbeat", "100"];
    const p = new NodeProcess(spawnNode(NODE_MAIN, args));
    p.address = await p.waitLine((l) => l.startsWith("/ip4/127.0.0.1/tcp/"));
    return p;
  }
}

export type PartyEvent = { e: string } & JsonEvent;

/** A party-main.ts process; its events name their kind in `e`. */
export class PartyProcess extends JsonLinesChild {
  /** When it was told to go (or spawned, if it does not wait). */
  startedAt = Date.now();

  /** `waitForGo`: the process loads its modules, then waits for `go()` before it touches any state. */
  static start(args: readonly string[], waitForGo = false): PartyProcess {
    const child = spawnNode(PARTY_MAIN, args, { tsx: true, env: { PARTY_WAIT_GO: waitForGo ? "1" : "0" } });
    return new PartyProcess(child, "e");
  }

  go(): void {
    this.startedAt = Date.now();
    this.send({ cmd: "go" });
  }

  override events(): PartyEvent[] {
    return super.events() as PartyEvent[];
  }

  override async next(e: string, where?: (ev: PartyEvent) => boolean, timeoutMs?: number): Promise<PartyEvent> {
    return (await super.next(e, where as ((ev: JsonEvent) => boolean) | undefined, timeoutMs)) as PartyEvent;
  }

  /** Asks the party to stop cleanly; SIGKILL only if it hangs. */
  override async stop(): Promise<number | null> {
    if (this.done) return this.child.exitCode;
    this.send({ cmd: "stop" });
    const t = setTimeout(() => this.child.kill("SIGKILL"), HUNG_AFTER_MS);
    const code = await this.closed;
    clearTimeout(t);
    return code;
  }
}
