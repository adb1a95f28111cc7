#!/usr/bin/env node
/**
 * `parley node` as a plain program: starts a Waku service node, prints one multiaddr per line, stops cleanly
 * on SIGINT/SIGTERM. The @parley/waku import must stay first: it loads the polyfill libp2p needs as soon as
 * it loads.
 */
import "@parley/waku";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type NodeOptions, startNode } from "./node.js";

/**
 * The option names are those of `parley node`: --data DIR keeps the node's state in DIR/node, so `parley chat
 * --data DIR` and this program agree on where it is. The older names stay as aliases for existing scripts.
 */
export const NODE_USAGE = `usage: parley-node --data DIR [options]
  --data DIR              parley data directory: peer key and message archive in DIR/node
                          (or --data-dir NODEDIR: the node's own directory, used as it is)
  --host ADDR             interface to listen on (default 127.0.0.1; 0.0.0.0 for a LAN)
  --port N                TCP port (default 60000; 0 = any free port; alias --tcp-port)
  --ws-port N             WebSocket port (default 60001; 0 = any; "off" disables)
  --cluster N             Waku cluster id (default 42)
  --num-shards N          shards in the cluster for autosharding (default 8)
  --shards A,B            shards to relay and archive (default all)
  --peer MULTIADDR        another node to stay connected to (repeatable; alias --bootstrap)
  --peer-key-seed TEXT    fixed dev identity instead of the persisted peer-key
  --retention-messages N  keep at most N messages (default 100000)
  --retention-hours N     drop messages older than N hours (default 168)
  --retention-mb N        keep at most N MiB of messages (default 1024)`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

export function parseNodeArgs(argv: string[]): NodeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: "string" },
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "tcp-port": { type: "string" },
      "ws-port": { type: "string" },
      cluster: { type: "string" },
      "num-shards": { type: "string" },
      shards: { type: "string" },
      peer: { type: "string", multiple: true },
      bootstrap: { type: "string", multiple: true },
      "peer-key-seed": { type: "string" },
      "retention-messages": { type: "string" },
      "retention-hours": { type: "string" },
      "retention-mb": { type: "string" },
      heartbeat: { type: "string" },
    },
    strict: true,
  });
  if (values.data !== undefined && values["data-dir"] !== undefined)
    throw new Error("give --data or --data-dir, not both");
  if (values.port !== undefined && values["tcp-port"] !== undefined)
    throw new Error("give --port or its alias --tcp-port, not both");
  const dataDir = values.data ? join(values.data, "node") : values["data-dir"];
  if (!dataDir) throw new Error("--data is required");
  const ws = values["ws-port"];
  const retentionMessages = int("retention-messages", values["retention-messages"]);
  const retentionHours = int("retention-hours", values["retention-hours"]);
  const retentionMb = int("retention-mb", values["retention-mb"]);
  const tcpPort = values.port !== undefined ? int("port", values.port) : int("tcp-port", values["tcp-port"]);
  const clusterId = int("cluster", values.cluster);
  const numShardsInCluster = int("num-shards", values["num-shards"]);
  const heartbeatIntervalMs = int("heartbeat", values.heartbeat);
  return {
    dataDir,
    ...(values.host ? { host: values.host } : {}),
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    ...(ws !== undefined ? { wsPort: ws === "off" ? false : int("ws-port", ws)! } : {}),
    ...(clusterId !== undefined ? { clusterId } : {}),
    ...(numShardsInCluster !== undefined ? { numShardsInCluster } : {}),
    ...(values.shards ? { shards: values.shards.split(",").map((s) => int("shards", s.trim())!) } : {}),
    bootstrap: [...(values.peer ?? []), ...(values.bootstrap ?? [])].flatMap((b) => b.split(",")).filter(Boolean),
    ...(values["peer-key-seed"] ? { peerKeySeed: values["peer-key-seed"] } : {}),
    retention: {
      ...(retentionMessages !== undefined ? { maxMessages: retentionMessages } : {}),
      ...(retentionHours !== undefined ? { maxAgeMs: retentionHours * 3600_000 } : {}),
      ...(retentionMb !== undefined ? { maxBytes: retentionMb * 1024 * 1024 } : {}),
    },
    ...(heartbeatIntervalMs ? { heartbeatIntervalMs } : {}),
  };
}

/** Runs until SIGINT/SIGTERM; resolves with the exit code. `print` receives each output line. */
export async function runNode(options: NodeOptions, print: (line: string) => void = console.log): Promise<number> {
  // Handlers go in before the address is printed: a supervisor may signal as soon as it reads it.
  const stopRequested = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const node = await startNode(options);
  for (const m of node.multiaddrs) print(m);
  await stopRequested;
  await node.stop();
  print("stopped");
  return 0;
}

function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const isMain = invokedDirectly();
if (isMain) {
  let options: NodeOptions;
  try {
    options = parseNodeArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${NODE_USAGE}`);
    process.exit(2);
  }
  runNode(options).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`node failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
