/**
 * The real pieces the browser tests run against: a `parley node` process (relay + Store, TCP and WebSocket on
 * free loopback ports) and a `parley web` process serving the built page, plus headless Chromium (Debian's,
 * through playwright-core). Every wait is bounded and generous; `stop()` ends whatever was started.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { ChildLines, REPO, spawnNode } from "@parley/test-support/processes";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium.js";

const MAIN = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));

/** Tests wait for conditions, never for time; a wait fails only when the run is hung (the shared cap). */
export const WAIT_MS = HUNG_AFTER_MS;

/** A `parley` process; its waits are capped at WAIT_MS, and stopping it gives it 10 s before SIGKILL. */
class Child extends ChildLines {
  line(match: (l: string) => boolean): Promise<string> {
    return this.waitLine(match, WAIT_MS);
  }

  override stop(): Promise<number | null> {
    return super.stop("SIGTERM", 10_000);
  }
}

function parley(args: readonly string[]): Child {
  return new Child(spawnNode(MAIN, args, { stdin: "ignore" }));
}

export interface Stack {
  /** The node's TCP multiaddr (for Node clients) and WebSocket multiaddr (the page's). */
  readonly tcp: string;
  readonly ws: string;
  /** The page, served by `parley web`. */
  readonly url: string;
  readonly browser: Browser;
  stop(): Promise<void>;
}

/** Builds the page from the current sources into `outDir` (never the shared dist/page another run may serve). */
export function buildPage(outDir: string): void {
  const built = spawnSync(
    join(REPO, "node_modules/.bin/vite"),
    ["build", "--logLevel", "error", "--outDir", outDir, "--emptyOutDir"],
    {
      cwd: join(REPO, "packages/web"),
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  if (built.status !== 0) throw new Error(`vite build failed: ${built.stderr}${built.stdout}`);
}

/** A node, the page built from the sources and served by `parley web`, and Chromium. */
export async function startStack(dataDir: string): Promise<Stack> {
  const page = join(dataDir, "page");
  buildPage(page);
  const executablePath = chromiumPath();
  const node = parley(["node", "--data", dataDir, "--port", "0", "--ws-port", "0", "--heartbeat", "100"]);
  const started: Child[] = [node];
  let browser: Browser | undefined;
  try {
    const tcp = await node.line((l) => l.startsWith("/ip4/127.0.0.1/tcp/") && !l.includes("/ws"));
    const ws = await node.line((l) => l.includes("/ws/p2p/"));
    const web = parley(["web", "--data", dataDir, "--root", page, "--port", "0", "--node", ws, "--heartbeat", "100"]);
    started.push(web);
    const url = await web.line((l) => l.startsWith("http://"));
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    const b = browser;
    return {
      tcp,
      ws,
      url,
      browser: b,
      async stop() {
        await b.close().catch(() => undefined);
        for (const c of started.reverse()) await c.stop();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    for (const c of started) await c.stop();
    throw err;
  }
}

/** One person in the browser: a context of their own (own IndexedDB) and a tab on the page. */
export interface BrowserUser {
  readonly context: BrowserContext;
  readonly page: Page;
}

export async function newUser(stack: Stack): Promise<BrowserUser> {
  const context = await stack.browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  return { context, page };
}

/** Opens `profile` in `page` and waits until the chat is ready and online. */
export async function unlock(page: Page, url: string, profile: string, passphrase: string): Promise<void> {
  await page.goto(`${url}?profile=${encodeURIComponent(profile)}`);
  await page.getByLabel("Passphrase").fill(passphrase);
  await page.getByRole("button", { name: "Open" }).click();
  await page.locator("body[data-phase=ready]").waitFor({ timeout: WAIT_MS });
  await page.locator("[data-network=online]").waitFor({ timeout: WAIT_MS });
}
