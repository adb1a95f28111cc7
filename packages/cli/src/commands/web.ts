import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import pc from "picocolors";
import { commandLine, nodeStartError } from "../errors.js";
import { dataOption, nodeAddressFile, nodeDir, parseCount, parsePort, UsageError } from "../paths.js";

interface WebFlags {
  data: string;
  host: string;
  port: number;
  node?: string;
  cluster: number;
  heartbeat?: number;
  nodePort: number;
  nodeWsPort: number;
  root: string;
}

/** The built page (packages/web/dist/page), next to this package in the workspace. */
const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../web/dist/page");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/** `parley web`: serves the browser chat page on loopback, connected to a `parley node` over WebSocket. */
export function webCommand(): Command {
  return new Command("web")
    .summary("serve the browser chat page (IndexedDB profile, Waku over WebSocket to the node)")
    .description(
      "Serve Parley's web page on a loopback address and print its URL. The page keeps each profile in the browser's IndexedDB, encrypted under a passphrase, and talks to a `parley node` over WebSocket (relay plus Store history).\n\n" +
        "The node is the one given with --node (a /ws multiaddr), else the one `parley node --data DATA` is running, else one started here in DATA/node (relay and Store, TCP --node-port 60000 and WebSocket --node-ws-port 60001, as `parley node`). Stops on Ctrl-C.",
    )
    .addOption(dataOption("data directory (a running node's address, or where the node started here lives)"))
    .option("--host <addr>", "interface the page is served on", "127.0.0.1")
    .option("--port <n>", "HTTP port of the page (0 = any free port)", (v) => parsePort("port", v), 60080)
    .option("--node <multiaddr>", "the node's WebSocket multiaddr (…/tcp/60001/ws/p2p/…)")
    .option("--cluster <n>", "Waku cluster id", (v) => parseCount("cluster", v), 42)
    .option(
      "--node-port <n>",
      "TCP port of a node started here (0 = any free port)",
      (v) => parsePort("node-port", v),
      60000,
    )
    .option(
      "--node-ws-port <n>",
      "WebSocket port of a node started here (0 = any free port)",
      (v) => parsePort("node-ws-port", v),
      60001,
    )
    .addOption(new Option("--root <dir>", "directory of the built page").default(PAGE_DIR, "packages/web/dist/page"))
    .addOption(
      new Option(
        "--heartbeat <ms>",
        "gossipsub heartbeat of the page and of a node started here (tests use 100)",
      ).argParser((v) => parseCount("heartbeat", v)),
    )
    .addHelpText(
      "after",
      `
Examples:
  $ parley web                                    # http://127.0.0.1:60080/ (starts a node if none runs)
  $ parley node --data /tmp/p & parley web --data /tmp/p --port 0
  $ parley web --data /tmp/q --port 0 --node-port 0 --node-ws-port 0   # a second one beside the first`,
    )
    .action(async (flags: WebFlags) => {
      process.exitCode = await runWeb(flags);
    });
}

async function runWeb(flags: WebFlags): Promise<number> {
  const stop = new Promise<void>((resolve) => {
    process.on("SIGINT", () => resolve());
    process.on("SIGTERM", () => resolve());
  });
  const root = resolve(flags.root);
  await readFile(join(root, "index.html")).catch(() => {
    throw new UsageError(`the web page is not built (${root}): run \`npm run build\` first`);
  });
  const node = await findOrStartNode(flags);
  const config = JSON.stringify({
    node: node.address,
    cluster: flags.cluster,
    ...(flags.heartbeat ? { heartbeatMs: flags.heartbeat } : {}),
  });
  const server = createServer((req, res) => void serve(req, res, { root, config, nodeAddress: node.address }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(flags.port, flags.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${flags.host.includes(":") ? `[${flags.host}]` : flags.host}:${port}/`;
  process.stdout.write(`${url}\n`);
  process.stderr.write(pc.dim(`parley web: page at ${url}, node ${node.address}; Ctrl-C to stop\n`));
  await stop;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await node.stop();
  process.stderr.write(pc.dim("parley web: stopped\n"));
  return 0;
}

interface PageNode {
  readonly address: string;
  stop(): Promise<void>;
}

async function findOrStartNode(flags: WebFlags): Promise<PageNode> {
  const none = async () => undefined;
  if (flags.node) {
    if (!flags.node.includes("/ws")) throw new UsageError("--node must be a WebSocket multiaddr (…/ws/p2p/…)");
    return { address: flags.node, stop: none };
  }
  const running = await readFile(nodeAddressFile(flags.data), "utf8").catch(() => "");
  const ws = running.split("\n").find((l) => l.startsWith("/") && l.includes("/ws"));
  if (ws) return { address: ws, stop: none };
  const { startNode } = await import("@parley/node");
  // One node per data directory: a node already running there without a WebSocket address refuses this one.
  const started = await startNode({
    dataDir: nodeDir(flags.data),
    clusterId: flags.cluster,
    tcpPort: flags.nodePort,
    wsPort: flags.nodeWsPort,
    holder: commandLine(),
    ...(flags.heartbeat ? { heartbeatIntervalMs: flags.heartbeat } : {}),
  }).catch((err: unknown) => {
    throw nodeStartError(err, nodeDir(flags.data));
  });
  const address = started.multiaddrs.find((m) => m.includes("/ws"));
  if (!address) {
    await started.stop();
    throw new UsageError("the node started here has no WebSocket address");
  }
  // Like `parley node`: `parley chat --data DATA` finds this node while the page is served.
  const addrFile = nodeAddressFile(flags.data);
  await writeFile(addrFile, `${started.multiaddrs.join("\n")}\n`);
  process.stderr.write(pc.dim(`parley web: started a node in ${nodeDir(flags.data)}\n`));
  return {
    address,
    async stop() {
      await started.stop();
      await rm(addrFile, { force: true });
    },
  };
}

/** Static files of the page, plus `config.json` (the node's address). GET and HEAD only, nothing outside the page. */
interface Site {
  readonly root: string;
  readonly config: string;
  readonly nodeAddress: string;
}

async function serve(req: IncomingMessage, res: ServerResponse, site: Site): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://page").pathname);
  } catch {
    return send(res, 400, "text/plain", "bad request");
  }
  if (path === "/config.json") return send(res, 200, TYPES[".json"]!, site.config, req.method === "HEAD");
  const file = normalize(join(site.root, path === "/" ? "index.html" : path));
  if (!file.startsWith(site.root + sep)) return send(res, 404, "text/plain", "not found");
  try {
    const body = await readFile(file);
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(site.nodeAddress));
    // Hashed asset names never change content; the page itself must be fetched fresh.
    res.setHeader("Cache-Control", path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    return send(res, 200, type, body, req.method === "HEAD");
  } catch {
    return send(res, 404, "text/plain", "not found");
  }
}

/**
 * Only the page's own files, and WebSocket connections to its node. 'wasm-unsafe-eval' lets the page compile
 * core's WebAssembly hash kernels (it allows WebAssembly only, not eval of JavaScript); without it core falls
 * back to its slower JavaScript kernels.
 */
function contentSecurityPolicy(nodeAddress: string): string {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)\/ws/.exec(nodeAddress);
  const host = m ? (m[1] === "ip6" ? `[${m[2]}]` : m[2]) : "";
  const connect = m ? `ws://${host}:${m[3]}` : "ws:";
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${connect}; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headOnly = false): void {
  res.writeHead(status, { "Content-Type": type, "X-Content-Type-Options": "nosniff" });
  res.end(headOnly ? undefined : body);
}
