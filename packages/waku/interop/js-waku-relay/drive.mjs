// Orchestrates: Parley node (@parley/node main) ← Parley client (peer-main) and js-waku relay node, over 127.0.0.1 TCP.
// Usage: node drive.mjs /path/to/repo /path/to/scratch-with-js-waku
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [repo, scratch] = process.argv.slice(2);
const here = new URL(".", import.meta.url).pathname;
const CT = "/logos-chat/1/interop/proto";
const PT = "/waku/2/rs/42/0"; // autosharding of /logos-chat/1 on cluster 42 with 8 shards
const procs = [];
process.on("exit", () => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
});

function run(name, args, cwd) {
  const p = spawn(process.execPath, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
  procs.push(p);
  const lines = [];
  createInterface({ input: p.stdout }).on("line", (l) => {
    lines.push(l);
    console.log(`[${name}] ${l}`);
  });
  p.stderr.on("data", (d) => process.stderr.write(`[${name} stderr] ${d}`));
  const wait = async (pred, ms = 30_000) => {
    const t = Date.now();
    while (Date.now() - t < ms) {
      const l = lines.find(pred);
      if (l) return l;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name}: timed out`);
  };
  return { p, wait, send: (o) => p.stdin.write(`${JSON.stringify(o)}\n`) };
}

const dataDir = mkdtempSync(join(tmpdir(), "parley-interop-"));
const node = run(
  "parley-node",
  ["--import", "tsx", "packages/node/src/main.ts", "--data", dataDir, "--port", "0", "--ws-port", "off"],
  repo,
);
const addr = await node.wait((l) => l.startsWith("/ip4/"));
const ours = run("parley-client", ["--import", "tsx", "packages/waku/test/helpers/peer-main.ts", addr], repo);
await ours.wait((l) => l.includes('"ready"'));
ours.send({ cmd: "subscribe", topic: CT });
// Bare imports resolve from the script's own folder, so the js-waku script runs from the scratch install.
copyFileSync(join(here, "js-relay.mjs"), join(scratch, "js-relay.mjs"));
copyFileSync(join(here, "polyfill.mjs"), join(scratch, "polyfill.mjs"));
const js = run("js-waku-relay", ["--import", "./polyfill.mjs", "js-relay.mjs", addr, CT, PT], scratch);
await js.wait((l) => l.includes('"relay-peer"'));
const results = {};
results.jsToParley = await ours
  .wait((l) => l.includes("hello from js-waku relay"), 20_000)
  .then(
    () => true,
    () => false,
  );
ours.send({ cmd: "publish", topic: CT, text: "hello from parley" });
await ours.wait((l) => l.includes('"published"'));
results.parleyToJs = await js
  .wait((l) => l.includes("hello from parley"), 10_000)
  .then(
    () => true,
    () => false,
  );
ours.send({ cmd: "history", topics: [CT] });
const history = JSON.parse(await ours.wait((l) => l.includes('"history"')));
results.storeHasJsMessage = history.messages.some((m) => m.text === "hello from js-waku relay");
await js.wait((l) => l.includes('"stopped"'), 20_000);
ours.send({ cmd: "stop" });
await ours.wait((l) => l.includes('"stopped"'));
node.p.kill("SIGTERM");
await node.wait((l) => l === "stopped");
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify(results));
process.exit(Object.values(results).every(Boolean) ? 0 : 1);
