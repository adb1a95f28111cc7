/**
 * Section `browser`: the web page and Parley inside Chromium (Debian's, driven by playwright-core), next to
 * Node in the same run:
 *   - bundle size of the page (the first screen's files, and all of its JavaScript), raw and gzip;
 *   - load: navigation → unlock form, Open → ready and → online (new profile, then the same after a reload),
 *     through `parley web` and a node it starts on loopback;
 *   - one-way 256 B messages through two Clients in the page (MemoryStore, then the encrypted IdbStore) next to
 *     the same pair in Node (noble, and node:crypto);
 *   - WebCrypto next to noble in the page for the primitives the browser has: the cost behind the choice of
 *     noble for the synchronous protocol operations (docs/PERFORMANCE.md).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { NobleCryptoProvider } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { oneWay, parleyPair } from "./client-pair.js";
import { median, opsPerSecond, type Row, type SectionResult } from "./harness.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"].concat([
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
]);
const LOADS = 5;
const PBKDF2_ITERATIONS = 600_000;

interface BenchApi {
  oneWayOps(store: "memory" | "idb", rounds: number, ms: number): Promise<number>;
  primitives(rounds: number, ms: number): Promise<Record<string, number>>;
  pbkdf2Ms(iterations: number): Promise<number>;
}

const kb = (n: number) => n / 1024;

export async function browserSection(): Promise<SectionResult> {
  const executablePath = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath}: apt-get install chromium (or set PARLEY_CHROMIUM)`);
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-browser-"));
  const rows: Row[] = [];
  const notes: string[] = [];
  let web: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    const pageDir = join(dir, "page");
    await buildPage(pageDir);
    rows.push(...sizeRows(pageDir));
    const script = await buildBenchScript(join(dir, "bench-script"));

    const started = await startWeb(dir, pageDir);
    web = started.child;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    rows.push(...(await loadRows(browser, started.url)));

    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(started.url);
    await page.addScriptTag({ content: script });
    const nodeNoble = await nodeOneWay(() => new NobleCryptoProvider());
    const nodeFast = await nodeOneWay(() => new NodeCryptoProvider());
    const inPage = (await page.evaluate(() =>
      (globalThis as unknown as { parleyBench: BenchApi }).parleyBench.oneWayOps("memory", 5, 300),
    )) as number;
    const inPageIdb = (await page.evaluate(() =>
      (globalThis as unknown as { parleyBench: BenchApi }).parleyBench.oneWayOps("idb", 5, 300),
    )) as number;
    rows.push(
      { name: "one-way 256 B, Node, node:crypto provider", value: nodeFast, unit: "msg/s" },
      { name: "one-way 256 B, Node, noble provider", value: nodeNoble, unit: "msg/s" },
      {
        name: "one-way 256 B, Chromium, web provider, MemoryStore",
        value: inPage,
        unit: "msg/s",
        ratio: inPage / nodeNoble,
        baseline: "Node noble",
      },
      {
        name: "one-way 256 B, Chromium, web provider, IdbStore (encrypted)",
        value: inPageIdb,
        unit: "msg/s",
        ratio: inPageIdb / inPage,
        baseline: "Chromium MemoryStore",
      },
    );
    const prim = (await page.evaluate(() =>
      (globalThis as unknown as { parleyBench: BenchApi }).parleyBench.primitives(5, 150),
    )) as Record<string, number>;
    for (const [web, noble] of [
      ["x25519 webcrypto", "x25519 noble"],
      ["ed25519 sign webcrypto", "ed25519 sign noble"],
      ["ed25519 verify webcrypto", "ed25519 verify noble"],
      ["sha256 1KiB webcrypto", "sha256 1KiB noble"],
      ["aes-256-gcm 1KiB webcrypto", "chacha20-poly1305 1KiB noble"],
    ] as const) {
      rows.push({ name: `Chromium ${noble}`, value: prim[noble]!, unit: "ops/s" });
      rows.push({
        name: `Chromium ${web}`,
        value: prim[web]!,
        unit: "ops/s",
        ratio: prim[web]! / prim[noble]!,
        baseline: "noble",
      });
    }
    const pbkdf2: number[] = [];
    for (let i = 0; i < 3; i++)
      pbkdf2.push(
        (await page.evaluate(
          (n) => (globalThis as unknown as { parleyBench: BenchApi }).parleyBench.pbkdf2Ms(n),
          PBKDF2_ITERATIONS,
        )) as number,
      );
    rows.push({ name: "Chromium PBKDF2-SHA256, 600,000 iterations (WebCrypto)", value: median(pbkdf2), unit: "ms" });
    notes.push(
      "ratios: Chromium ÷ Node for the one-way pair (same Client code, both on noble), WebCrypto ÷ noble for primitives (ops/s; WebCrypto imports the raw key on each call, as a synchronous caller holding raw keys would have to)",
    );
    await context.close();
  } finally {
    await browser?.close().catch(() => undefined);
    if (web) await stopChild(web);
    rmSync(dir, { recursive: true, force: true });
  }
  return { section: "browser", rows, notes };
}

async function buildPage(outDir: string): Promise<void> {
  await build({
    configFile: join(REPO, "packages/web/vite.config.ts"),
    root: join(REPO, "packages/web"),
    logLevel: "error",
    build: { outDir, emptyOutDir: true },
  });
}

/** browser-entry.ts as one classic script that sets `globalThis.parleyBench`. */
async function buildBenchScript(outDir: string): Promise<string> {
  await build({
    configFile: false,
    root: join(REPO, "bench"),
    logLevel: "error",
    build: {
      outDir,
      emptyOutDir: true,
      lib: {
        entry: join(REPO, "bench/src/browser-entry.ts"),
        formats: ["iife"],
        name: "parleyBenchBundle",
        fileName: () => "bench.js",
      },
    },
  });
  return readFileSync(join(outDir, "bench.js"), "utf8");
}

/** The first screen (index.html and what it loads at once) and all of the page's JavaScript, raw and gzip. */
function sizeRows(pageDir: string): Row[] {
  const html = readFileSync(join(pageDir, "index.html"), "utf8");
  const first = new Set(["index.html", ...[...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!)]);
  const assets = readdirSync(join(pageDir, "assets")).map((f) => `assets/${f}`);
  const size = (files: Iterable<string>) => {
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const bytes = readFileSync(join(pageDir, f));
      raw += statSync(join(pageDir, f)).size;
      gz += gzipSync(bytes).length;
    }
    return { raw, gz };
  };
  const firstSize = size(first);
  const js = size(assets.filter((f) => f.endsWith(".js")));
  return [
    { name: "page: first screen (HTML, JS, CSS), gzip", value: kb(firstSize.gz), unit: "KiB" },
    { name: "page: first screen, raw", value: kb(firstSize.raw), unit: "KiB" },
    { name: "page: all JavaScript (loaded before Open completes), gzip", value: kb(js.gz), unit: "KiB" },
    { name: "page: all JavaScript, raw (minified)", value: kb(js.raw), unit: "KiB" },
  ];
}

/** Median timings of LOADS fresh browser profiles: first screen, then Open → ready / online, new and reopened. */
async function loadRows(browser: Browser, url: string): Promise<Row[]> {
  const shown: number[] = [];
  const newReady: number[] = [];
  const newOnline: number[] = [];
  const oldReady: number[] = [];
  const oldOnline: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}?profile=load${i}`);
    shown.push(await mark(page, "parley-unlock-shown"));
    const fresh = await openProfile(page);
    newReady.push(fresh.ready);
    newOnline.push(fresh.online);
    await page.reload();
    await mark(page, "parley-unlock-shown");
    const again = await openProfile(page);
    oldReady.push(again.ready);
    oldOnline.push(again.online);
    await context.close();
  }
  return [
    { name: "load: navigation → unlock form shown", value: median(shown), unit: "ms" },
    { name: "new profile: Open → ready (PBKDF2, IndexedDB, identity)", value: median(newReady), unit: "ms" },
    { name: "new profile: Open → online (node in the relay mesh)", value: median(newOnline), unit: "ms" },
    { name: "existing profile after reload: Open → ready", value: median(oldReady), unit: "ms" },
    { name: "existing profile after reload: Open → online", value: median(oldOnline), unit: "ms" },
  ];
}

async function openProfile(page: Page): Promise<{ ready: number; online: number }> {
  await page.getByLabel("Passphrase").fill("a bench passphrase");
  await page.getByRole("button", { name: "Open" }).click();
  const open = await mark(page, "parley-open");
  return { ready: (await mark(page, "parley-ready")) - open, online: (await mark(page, "parley-online")) - open };
}

/** The page's performance mark `name` (ms since navigation), once it exists. */
async function mark(page: Page, name: string): Promise<number> {
  const handle = await page.waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, {
    timeout: 120_000,
    polling: 20,
  });
  return (await handle.jsonValue()) as number;
}

async function nodeOneWay(crypto: () => NobleCryptoProvider | NodeCryptoProvider): Promise<number> {
  const p = await parleyPair({ crypto });
  const step = oneWay(p, "x".repeat(256));
  for (let i = 0; i < 50; i++) await step();
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) samples.push(await opsPerSecond(step, 300));
  await Promise.all([p.alice.close(), p.bob.close()]);
  return median(samples);
}

/** `parley web` on a free port, starting its own node in `dir` (loopback only). */
async function startWeb(dir: string, pageDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [join(REPO, "packages/cli/dist/main.js"), "web", "--data", join(dir, "data"), "--root", pageDir, "--port", "0"],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("parley web did not print its URL")), 60_000);
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (l.startsWith("http://")) {
        clearTimeout(t);
        resolve(l);
      }
    });
    child.once("exit", (code) => reject(new Error(`parley web exited with ${code}`)));
  });
  return { child, url };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
