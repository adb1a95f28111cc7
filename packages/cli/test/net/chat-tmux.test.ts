import { TEST_CAP_MS } from "@parley/test-support/patience";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { afterEach, describe, expect, it } from "vitest";
import { hasTmux, killAll, runCli, startNode } from "../helpers/cli.js";
import { Tmux } from "../helpers/tmux.js";

const tmuxPresent = hasTmux();
if (!tmuxPresent) console.warn("SKIPPED: the parley chat tmux test needs the tmux binary, which is not installed");

const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  await killAll();
  removeTempDirs();
});

describe.skipIf(!tmuxPresent)("parley chat driven in tmux", () => {
  it(
    "users chat through a real parley node: bundle, /new, ticks, /name; Bob quits, Alice writes, Bob restarts and reads it from the node's history; a second conversation shows unread and Tab switches; a group of three",
    async () => {
      const data = tempDir("parley-cli-tmux-");
      const { node, addr } = await startNode(data);
      const tmux = new Tmux();
      cleanups.push(() => tmux.kill());

      const intro = await runCli(["intro", "--name", "bob", "--data", data]);
      expect(intro.code, intro.stderr).toBe(0);
      const bundle = intro.stdout.trim();
      const aliceBundle = (await runCli(["intro", "--name", "alice", "--data", data])).stdout.trim();

      const chat = (name: string) => ["chat", "--name", name, "--data", data, "--node", addr];
      tmux.start("alice", chat("alice"));
      tmux.start("bob", chat("bob"));
      await tmux.waitFor("alice", /connected; fetched \d+ message/);
      await tmux.waitFor("bob", /connected; fetched \d+ message/);
      await tmux.waitFor("alice", /parley · alice · online \(1 peer\)/);

      // Bob's bundle is on his screen when he asks for it, identical to `parley intro`.
      tmux.keys("bob", "C-b");
      const shown = await tmux.waitFor("bob", /my intro bundle/);
      expect(shown.replace(/[│\s]/g, "")).toContain(bundle);
      tmux.keys("bob", "C-b");

      // Alice starts the conversation from the pasted bundle; both screens show it; her tick reaches ✓✓.
      await tmux.type("alice", `/new ${bundle} Hello Bob, this is Alice in tmux`);
      await tmux.waitFor("bob", /: Hello Bob, this is Alice in tmux/);
      await tmux.waitFor("alice", /me: Hello Bob, this is Alice in tmux ✓✓/);
      expect(tmux.screen("bob")).toMatch(/new conversation from [0-9a-f]{8}/);
      await tmux.type("bob", "/name alice");
      await tmux.type("bob", "Hi Alice! Bob here.");
      // Each side is named by the display name the other sent with its first message, marked with a ~.
      await tmux.waitFor("alice", /~bob: Hi Alice! Bob here\./);
      await tmux.waitFor("bob", /me: Hi Alice! Bob here\. ✓✓/);
      expect(tmux.screen("bob")).toMatch(/1 alice/);

      // Bob leaves; Alice writes to him: sent, not acked.
      await tmux.type("bob", "/quit");
      await tmux.waitFor("bob", /EXITED 0/);
      await tmux.type("alice", "Are you still there?");
      await tmux.type("alice", "I will leave this with the node.");
      await tmux.waitFor("alice", /me: I will leave this with the node\. ✓(?!✓)/);
      expect(tmux.screen("alice")).not.toMatch(/Are you still there\? ✓✓/);

      // Bob comes back: his stored conversation (with its name) and what he missed, from the node's Store.
      tmux.start("bob", chat("bob"));
      const back = await tmux.waitFor(
        "bob",
        /connected; fetched \d+ message\(s\) from the node's history \([1-9]\d* new for me\)/,
      );
      expect(back).toMatch(/1 alice/);
      await tmux.waitFor("bob", /alice: I will leave this with the node\./);
      const bobScreen = tmux.screen("bob");
      expect(bobScreen).toMatch(/alice: Are you still there\?/);
      expect(bobScreen).toMatch(/me: Hi Alice! Bob here\. ✓✓/);
      // Each message once.
      expect(bobScreen.match(/Are you still there\?/g)).toHaveLength(1);
      await tmux.waitFor("alice", /me: I will leave this with the node\. ✓✓/);
      await tmux.waitFor("alice", /me: Are you still there\? ✓✓/);

      // Carol writes to Alice: a second conversation with an unread count; Tab switches to it and clears it.
      tmux.start("carol", chat("carol"));
      await tmux.waitFor("carol", /connected; fetched \d+ message/);
      await tmux.type("carol", `/new ${aliceBundle} Hi Alice, Carol here`);
      const unread = await tmux.waitFor("alice", /conversations:\s+1 ~bob\s+2 ~carol \(1\)/);
      expect(unread).not.toContain("Carol here");
      await tmux.type("alice", "/list");
      await tmux.waitFor("alice", /2\. ~carol\s+key [0-9a-f]{16}…\s+1 unread/);
      tmux.keys("alice", "Tab");
      await tmux.waitFor("alice", /~carol: Hi Alice, Carol here/);
      expect(tmux.screen("alice")).not.toMatch(/\(1\)/);
      await tmux.type("alice", "/switch 1");
      await tmux.waitFor("alice", /me: Are you still there\? ✓✓/);

      // A group from Alice's two 1:1 conversations: both join by Welcome, read her message with her name on it.
      await tmux.type("alice", "/group friends 1 2");
      await tmux.waitFor("bob", /conversations:.*\d friends/);
      await tmux.waitFor("carol", /conversations:.*\d friends/);
      // The group says who joined, by name.
      await tmux.waitFor("alice", /~bob joined/);
      await tmux.waitFor("alice", /~carol joined/);
      await tmux.type("alice", "hello friends");
      await tmux.waitFor("alice", /me: hello friends ✓/);
      await tmux.waitFor("bob", /conversations:.*2 friends \(1\)/);
      tmux.keys("bob", "Tab");
      await tmux.waitFor("bob", /alice: hello friends/);
      expect(tmux.screen("bob")).toMatch(/group "friends"/);
      await tmux.type("carol", "/switch 2");
      await tmux.waitFor("carol", /~alice: hello friends/);
      await tmux.type("carol", "hi from carol");
      await tmux.waitFor("bob", /~carol: hi from carol/);
      await tmux.type("alice", "/members");
      await tmux.waitFor("alice", /group "friends": 3 member\(s\)/);

      // Everyone quits cleanly; the node stops with 0.
      for (const who of ["alice", "bob", "carol"]) await tmux.type(who, "/quit");
      for (const who of ["alice", "bob", "carol"]) await tmux.waitFor(who, /EXITED 0/);
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
