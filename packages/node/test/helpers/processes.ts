import { fileURLToPath } from "node:url";
import { ChildLines, JsonLinesChild, spawnNode } from "@parley/test-support/processes";

export { freePort, killAll } from "@parley/test-support/processes";

/**
 * Child processes for multi-process tests: the `parley node` program and JSON-line driven clients (the shared
 * helpers of @parley/test-support with this package's programs).
 */
export const NODE_MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
/** A WakuDelivery client driven by JSON lines, from @parley/waku's own tests. */
export const PEER_MAIN = fileURLToPath(new URL("../../../waku/test/helpers/peer-main.ts", import.meta.url));

/** Spawns a TypeScript entry point with Node and tsx (no build step needed). */
function spawnTs(file: string, args: readonly string[]) {
  return spawnNode(file, args, { tsx: true, env: { NODE_ENV: "production" } });
}

/** `parley node` in a child process. */
export class NodeProcess extends ChildLines {
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

/** A JSON-lines driven client process (see peer-main.ts). */
export class JsonLinesProcess extends JsonLinesChild {
  static start(file: string, args: readonly string[]): JsonLinesProcess {
    return new JsonLinesProcess(spawnTs(file, args));
  }
}

export type { JsonEvent as PeerEvent } from "@parley/test-support/processes";
