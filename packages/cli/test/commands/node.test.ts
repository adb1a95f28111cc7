import { existsSync } from "node:fs";
import { join } from "node:path";
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { afterEach, describe, expect, it } from "vitest";
import { nodeAddressFile } from "../../src/paths.js";
import { killAll, readNodeAddresses, startNode } from "../helpers/cli.js";

afterEach(async () => {
  await killAll();
  removeTempDirs();
});

describe("parley node", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "prints its multiaddr, publishes it in DATA/node/multiaddrs, keeps its peer id, and exits 0 on %s",
    async (signal) => {
      const data = tempDir("parley-cli-node-");
      const first = await startNode(data);
      expect(first.addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW\w+$/);
      expect(readNodeAddresses(data)).toContain(first.addr);
      expect(existsSync(join(data, "node", "waku-store.sqlite"))).toBe(true);
      expect(await first.node.stop(signal)).toBe(0);
      expect(first.node.lines).toContain("stopped");
      expect(existsSync(nodeAddressFile(data))).toBe(false);
      const again = await startNode(data);
      expect(again.addr.split("/p2p/")[1]).toBe(first.addr.split("/p2p/")[1]);
      expect(await again.node.stop(signal)).toBe(0);
    },
    TEST_CAP_MS,
  );
});
