/**
 * One writer per profile and one node per data directory, through the real command: a second `parley node` or
 * `parley chat` (or `parley intro`) on what another process holds exits non-zero at once with one line naming
 * that process, touches none of its files, and the first keeps working. A node killed with SIGKILL leaves
 * nothing that blocks the next start.
 */
import { existsSync, readFileSync } from "node:fs";
import { HUNG_AFTER_MS, TEST_CAP_MS } from "@parley/test-support/patience";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { WakuDelivery } from "@parley/waku";
import { afterEach, describe, expect, it } from "vitest";
import { nodeAddressFile } from "../../src/paths.js";
import { hasTmux, killAll, runCli, startNode } from "../helpers/cli.js";
import { Tmux } from "../helpers/tmux.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await killAll();
  removeTempDirs();
});

/** The command line of a live process (Linux), to show that the pid in a message is the holder's. */
function commandOf(pid: number): string | undefined {
  const file = `/proc/${pid}/cmdline`;
  return existsSync(file) ? readFileSync(file, "utf8").split("\0").join(" ") : undefined;
}

describe("one parley node per --data", () => {
  it(
    "a second node is refused at once with the first's pid, changes nothing, and the first keeps serving; after a SIGKILL the next one starts",
    async () => {
      const data = tempDir("parley-cli-one-writer-");
      const first = await startNode(data);
      const addrFile = nodeAddressFile(data);
      const published = readFileSync(addrFile, "utf8");

      const second = await runCli(["node", "--data", data, "--port", "0", "--ws-port", "off"]);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe("");
      expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^error: the node data directory .*node is already in use by process ${first.node.child.pid} \\(parley node --data `,
        ),
      );
      expect(second.stderr).toMatch(/One node per --data/);
      // Its exit did not remove or rewrite the running node's address file.
      expect(readFileSync(addrFile, "utf8")).toBe(published);

      // The first still relays: a client joins its mesh and publishes through it.
      const client = new WakuDelivery({ network: { clusterId: 42, numShardsInCluster: 8 }, bootstrap: [first.addr] });
      await client.start();
      cleanups.push(() => client.stop());
      expect(await client.waitForPeers("/logos-chat/1/one/proto", 1, HUNG_AFTER_MS)).toBe(true);
      expect((await client.publish("/logos-chat/1/one/proto", new Uint8Array([1]))).ok).toBe(true);

      // Killed outright: the OS drops its lock; the next node starts on the same data with the same identity.
      await first.node.stop("SIGKILL");
      const again = await startNode(data);
      expect(again.addr.split("/p2p/")[1]).toBe(first.addr.split("/p2p/")[1]);
      expect(readFileSync(addrFile, "utf8")).toContain(again.addr);
      expect(await again.node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});

const tmuxPresent = hasTmux();
if (!tmuxPresent) console.warn("SKIPPED: the two-chats test needs the tmux binary, which is not installed");

describe.skipIf(!tmuxPresent)("one parley chat per profile", () => {
  it(
    "a second chat (and intro) on an open profile exits 1 at once naming the first; the first keeps chatting",
    async () => {
      const data = tempDir("parley-cli-one-writer-");
      const { node, addr } = await startNode(data);
      const tmux = new Tmux();
      cleanups.push(() => tmux.kill());
      const bobBundle = (await runCli(["intro", "--name", "bob", "--data", data])).stdout.trim();
      const chat = (name: string) => ["chat", "--name", name, "--data", data, "--node", addr];

      tmux.start("alice", chat("alice"));
      await tmux.waitFor("alice", /connected; fetched \d+ message/);

      tmux.start("alice-again", chat("alice"));
      const refused = await tmux.waitFor("alice-again", /EXITED \d+/);
      expect(refused).toMatch(/EXITED 1/);
      const m = refused.match(
        /error: profile "alice" \(.*alice\.db\) is already open in process (\d+) \(parley chat --name alice/,
      );
      expect(m, refused).not.toBeNull();
      expect(refused).toMatch(/One process at a time may use a profile/);
      expect(refused).not.toMatch(/^\s+at /m);
      const holderCmd = commandOf(Number(m![1]));
      if (holderCmd !== undefined) expect(holderCmd).toMatch(/main\.js chat --name alice/);

      const intro = await runCli(["intro", "--name", "alice", "--data", data]);
      expect(intro.code).toBe(1);
      expect(intro.stderr).toMatch(new RegExp(`already open in process ${m![1]} \\(parley chat --name alice`));

      // The first chat is unharmed: it starts a conversation with Bob, who reads it, and it sees ✓✓.
      tmux.start("bob", chat("bob"));
      await tmux.waitFor("bob", /connected; fetched \d+ message/);
      await tmux.type("alice", `/new ${bobBundle} still the only alice`);
      await tmux.waitFor("bob", /: still the only alice/);
      await tmux.waitFor("alice", /me: still the only alice ✓✓/);

      for (const who of ["alice", "bob"]) await tmux.type(who, "/quit");
      for (const who of ["alice", "bob"]) await tmux.waitFor(who, /EXITED 0/);
      // Released on exit: the profile opens again.
      expect((await runCli(["intro", "--name", "alice", "--data", data])).code).toBe(0);
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
