import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliProcess, killAll, readNodeAddresses, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "parley-web-cmd-"));
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw HTTP request (fetch would normalise the `..` away before sending it). */
function get(
  url: string,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("parley web", () => {
  it("--help documents its options", async () => {
    const r = await runCli(["web", "--help"]);
    expect(r.code).toBe(0);
    for (const w of [
      "Usage: parley web",
      "--port",
      "--node",
      "--node-port",
      "--node-ws-port",
      "--data",
      "--root",
      "Examples:",
    ])
      expect(r.stdout).toContain(w);
  });

  it("refuses a --node that is not a WebSocket address, and a missing page", async () => {
    const root = join(dir, "page-ok");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>t</title>");
    const tcp = await runCli(["web", "--root", root, "--port", "0", "--node", "/ip4/127.0.0.1/tcp/1/p2p/x"]);
    expect(tcp.code).toBe(2);
    expect(tcp.stderr).toMatch(/WebSocket multiaddr/);
    const none = await runCli(["web", "--root", join(dir, "no-page"), "--port", "0"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/not built/);
  });

  it("starts a node when none runs, serves the page, its config and nothing outside it, and stops on SIGTERM", async () => {
    const root = join(dir, "page");
    const data = join(dir, "data");
    mkdirSync(join(root, "assets"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>page</title>");
    writeFileSync(join(root, "assets", "app-1.js"), "console.log(1)");
    writeFileSync(join(dir, "secret.txt"), "outside the page");
    // Free ports for the node it starts: another test run on this machine may hold the defaults.
    const web = CliProcess.start([
      "web",
      ...["--data", data, "--root", root, "--port", "0", "--heartbeat", "100"],
      ...["--node-port", "0", "--node-ws-port", "0"],
    ]);
    const url = await web.waitLine((l) => l.startsWith("http://127.0.0.1:"), 60_000);

    const addrs = readNodeAddresses(data);
    const ws = addrs.find((a) => a.includes("/ws/p2p/"))!;
    expect(ws).toBeDefined();
    const config = await get(url, "/config.json");
    expect(JSON.parse(config.body)).toEqual({ node: ws, cluster: 42, heartbeatMs: 100 });

    const page = await get(url, "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    const port = /\/tcp\/(\d+)\/ws/.exec(ws)![1];
    expect(page.headers["content-security-policy"]).toContain(`connect-src 'self' ws://127.0.0.1:${port}`);
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    const asset = await get(url, "/assets/app-1.js");
    expect(asset.body).toBe("console.log(1)");
    expect(asset.headers["cache-control"]).toContain("immutable");

    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/missing.js"])
      expect((await get(url, path)).status, path).toBe(404);
    expect((await get(url, "/%E0%A4%A")).status).toBe(400);
    expect((await get(url, "/", "POST")).status).toBe(405);

    expect(await web.stop()).toBe(0);
    expect(() => readFileSync(join(data, "node", "multiaddrs"))).toThrow();
  });
});
