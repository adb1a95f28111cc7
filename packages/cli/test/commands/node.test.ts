import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, startNode } from "../helpers/cli.js";
import { TEST_CAP_MS } from "../helpers/patience.js";

const dirs: string[] = [];
afterEach(async () => {
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("parley node", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "prints its multiaddr, publishes it in DATA/node/multiaddrs, keeps its peer id, and exits 0 on %s",
    async (signal) => {
      const data = mkdtempSync(join(tmpdir(), "parley-cli-node-"));
      dirs.push(data);
      const first = await startNode(data);
      expect(first.addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW\w+$/);
      expect(readFileSync(join(data, "node", "multiaddrs"), "utf8")).toContain(first.addr);
      expect(existsSync(join(data, "node", "waku-store.sqlite"))).toBe(true);
      expect(await first.node.stop(signal)).toBe(0);
      expect(first.node.lines).toContain("stopped");
      expect(existsSync(join(data, "node", "multiaddrs"))).toBe(false);
      const again = await startNode(data);
      expect(again.addr.split("/p2p/")[1]).toBe(first.addr.split("/p2p/")[1]);
      expect(await again.node.stop(signal)).toBe(0);
    },
    TEST_CAP_MS,
  );
});
