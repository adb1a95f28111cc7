import { mkdir, rm, writeFile } from "node:fs/promises";
import { isIPv4 } from "node:net";
import { Command, Option } from "commander";
import pc from "picocolors";
import { commandLine, dataDirError, nodeStartError, UsageError } from "../errors.js";
import { dataOption, nodeAddressFile, nodeDir, parseCount, parsePort } from "../paths.js";

interface NodeFlags {
  data: string;
  host: string;
  port: number;
  wsPort: number | false;
  cluster: number;
  peer: string[];
  heartbeat?: number;
}

/** `parley node`: the @parley/node service node (relay + Store history in SQLite) in the foreground. */
export function nodeCommand(): Command {
  return new Command("node")
    .summary("run a Waku service node: relay plus Store history for clients that were offline")
    .description(
      "Run a Waku service node in the foreground. It relays every shard of the cluster, keeps the messages it relays in SQLite and answers Waku Store v3 queries, so a client that was offline fetches what it missed. Its peer key lives in DATA/node, so its address stays the same across restarts.\n\n" +
        "It prints one multiaddr per line on stdout (give one to `parley chat --node`) and writes them to DATA/node/multiaddrs while it runs, so `parley chat --data DATA` finds it without --node. It stops cleanly on Ctrl-C (SIGINT) or SIGTERM, with exit code 0.",
    )
    .addOption(dataOption("data directory (the node's state goes in DATA/node)"))
    .option("--host <addr>", "interface to listen on, an IPv4 address (0.0.0.0 for a LAN)", parseHost, "127.0.0.1")
    .option("--port <n>", "TCP port (0 = any free port)", (v) => parsePort("port", v), 60000)
    .addOption(
      new Option("--ws-port <n>", 'WebSocket port (0 = any free port, "off" = none)')
        .default(60001)
        .argParser((v) => (v === "off" ? false : parsePort("ws-port", v))),
    )
    .option(
      "--cluster <n>",
      "Waku cluster id; every peer of one network must agree",
      (v) => parseCount("cluster", v),
      42,
    )
    .option(
      "--peer <multiaddr...>",
      "other nodes to stay connected to (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(
      new Option("--heartbeat <ms>", "gossipsub heartbeat (smaller = faster mesh; tests use 100)").argParser((v) =>
        parseCount("heartbeat", v),
      ),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ parley node                                   # 127.0.0.1:60000 (tcp) and :60001 (ws), data in ~/.parley
  $ parley node --data /tmp/p --port 0 --ws-port off
  $ parley node --host 0.0.0.0 --peer /ip4/192.168.1.7/tcp/60000/p2p/12D3KooW...`,
    )
    .action(async (flags: NodeFlags) => {
      process.exitCode = await runNode(flags);
    });
}

async function runNode(flags: NodeFlags): Promise<number> {
  // Listen for the stop signals before anything is printed: a supervisor that reads our address and signals
  // at once must find the handler in place (without one, SIGTERM kills the process outright). `on`, not
  // `once`: a second signal while the node shuts down must not fall back to that default either.
  const stop = new Promise<void>((resolve) => {
    process.on("SIGINT", () => resolve());
    process.on("SIGTERM", () => resolve());
  });
  const { startNode } = await import("@parley/node");
  const dir = nodeDir(flags.data);
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw dataDirError(err, flags.data);
  });
  // startNode locks DATA/node first: a second node on the same --data is refused here and touches nothing
  // (in particular not the address file below, which belongs to the running node).
  const node = await startNode({
    dataDir: dir,
    host: flags.host,
    tcpPort: flags.port,
    wsPort: flags.wsPort,
    clusterId: flags.cluster,
    bootstrap: flags.peer ?? [],
    holder: commandLine(),
    ...(flags.heartbeat ? { heartbeatIntervalMs: flags.heartbeat } : {}),
  }).catch((err: unknown) => {
    throw nodeStartError(err, dir);
  });
  const addrFile = nodeAddressFile(flags.data);
  await writeFile(addrFile, `${node.multiaddrs.join("\n")}\n`);
  for (const m of node.multiaddrs) process.stdout.write(`${m}\n`);
  process.stderr.write(
    pc.dim(`parley node: peer ${node.peerId}, cluster ${flags.cluster}, data ${dir}; Ctrl-C to stop\n`),
  );
  await stop;
  await node.stop();
  await rm(addrFile, { force: true });
  process.stderr.write(pc.dim("parley node: stopped\n"));
  process.stdout.write("stopped\n");
  return 0;
}

function parseHost(value: string): string {
  if (!isIPv4(value))
    throw new UsageError(`--host must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, not "${value}"`);
  return value;
}
