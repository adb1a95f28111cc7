/**
 * `parley chat` as people use it: real processes in an 80×24 tmux terminal through a real `parley node`,
 * driven by keys and pastes (send-keys, paste-buffer) and read from the screen (capture-pane). Each finding
 * of issue 14 has its check here: long messages, large and multi-line pastes, line editing, bundles copied
 * from the screen, names, duplicates, files, search, archive/delete/leave, stale notices, quitting.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HELP } from "../../src/chat/input.js";
import { Profile } from "../../src/profile.js";
import { CliProcess, hasTmux, killAll, runCli, startNode } from "../helpers/cli.js";
import { Tmux } from "../helpers/tmux.js";

const tmuxPresent = hasTmux();
if (!tmuxPresent) console.warn("SKIPPED: the parley chat terminal tests need the tmux binary, which is not installed");

const SMALL = { columns: 80, rows: 24 };
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  await killAll();
});

async function setup(names: readonly string[]) {
  const data = mkdtempSync(join(tmpdir(), "parley-chat-terminal-"));
  cleanups.push(() => rmSync(data, { recursive: true, force: true }));
  const { node, addr } = await startNode(data);
  const tmux = new Tmux();
  cleanups.push(() => tmux.kill());
  const bundles: Record<string, string> = {};
  for (const n of names) bundles[n] = (await runCli(["intro", "--name", n, "--data", data])).stdout.trim();
  const chat = (name: string) => ["chat", "--name", name, "--data", data, "--node", addr];
  for (const n of names) tmux.start(n, chat(n), SMALL);
  for (const n of names) await tmux.waitFor(n, /connected; fetched \d+ message/);
  return { data, node, addr, tmux, bundles, chat };
}

/** The last message of a profile's first conversation, read from its SQLite file once the chat quit. */
async function lastStored(data: string, name: string): Promise<string> {
  const p = await Profile.open({ dataDir: data, name });
  try {
    const [conv] = await p.conversations();
    const items = await p.history(conv!.id, 20);
    // Display names travel as messages too (shown as "[profile]" here): the last one that is not.
    return items.filter((i) => i.text !== "[profile]").at(-1)!.text;
  } finally {
    await p.close();
  }
}

/** Presses keys and returns the screen once it changed (or, after `ms`, as it is). */
async function press(tmux: Tmux, name: string, key: string, ms = 5_000): Promise<string> {
  const before = tmux.screen(name);
  tmux.keys(name, key);
  const deadline = Date.now() + ms;
  for (;;) {
    const now = tmux.screen(name);
    if (now !== before || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const words = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `word${String(from + i).padStart(3, "0")}`).join(" ");

describe.skipIf(!tmuxPresent)("parley chat in an 80×24 terminal", () => {
  it("a bundle copied off the screen, names, long messages read by scrolling, pastes, line editing", async () => {
    const { data, tmux } = await setup(["alice", "bob"]);

    // Bob's bundle shows alone, without borders: a mouse copy of those rows (line breaks and all) works.
    tmux.keys("bob", "C-b");
    const shown = await tmux.waitFor("bob", /my intro bundle/);
    expect(shown).not.toMatch(/[│┃╭╮╰╯┌┐└┘]/);
    const rows = shown.split("\n");
    const first = rows.findIndex((r) => r.startsWith("logos_chatintro_1_"));
    const copied = rows.slice(first, first + 3).join("\n");
    tmux.keys("bob", "Escape");
    tmux.paste("alice", `/new ${copied}\nHello Bob, from your screen`);
    tmux.keys("alice", "Enter");
    // Names travel with the first messages: nobody is a hex key, and each is marked as self-chosen.
    await tmux.waitFor("bob", /~alice: Hello Bob, from your screen/);
    await tmux.waitFor("alice", /me: Hello Bob, from your screen ✓✓/);
    await tmux.waitFor("alice", /conversations:\s+1 ~bob(?![\w…])/);

    // The same bundle again: no second conversation; the message comes back to the input to send here.
    tmux.paste("alice", `/new ${copied.replace(/\n/g, "")} second hello`);
    tmux.keys("alice", "Enter");
    await tmux.waitFor("alice", /you already talk with ~bob \(conversation 1\)/);
    await tmux.waitFor("alice", /> second hello/);
    tmux.keys("alice", "Enter");
    await tmux.waitFor("bob", /~alice: second hello/);
    expect(tmux.screen("alice")).not.toMatch(/ 2 /);

    // A 1,300-character message shows whole on 80×24.
    const long = words(0, 163).slice(0, 1300);
    await tmux.type("alice", long);
    const whole = await tmux.waitFor("bob", /word161/);
    expect(whole.match(/word\d{3}/g)).toHaveLength(162);

    // A message three screens tall: its end shows, and PageUp scrolls back row by row to its start.
    await tmux.type("alice", words(200, 500));
    const end = await tmux.waitFor("bob", /word699/);
    const seen = new Set<string>(end.match(/word\d{3}/g) ?? []);
    for (let i = 0; i < 12 && !seen.has("word200"); i++) {
      const s = await press(tmux, "bob", "PageUp");
      expect(s).toMatch(/more rows? below \(PageDown\)/);
      for (const w of s.match(/word\d{3}/g) ?? []) seen.add(w);
    }
    expect([...seen].filter((w) => w >= "word200")).toHaveLength(500);
    expect(await press(tmux, "bob", "S-Down")).toMatch(/more rows? below/);
    for (let i = 0; i < 12; i++) tmux.keys("bob", "PageDown");
    await tmux.waitFor("bob", /word699/);
    expect(tmux.screen("bob")).not.toMatch(/more rows? below/);

    // A multi-line paste is one message, blank line included; Alt-Enter and Ctrl-J make new lines.
    tmux.paste("alice", "line one\n\nline three", false);
    tmux.keys("alice", "Enter");
    await tmux.waitFor("bob", /~alice: line one\n\s*\n\s+line three/);
    tmux.keys("alice", "-l", "first");
    tmux.keys("alice", "M-Enter");
    tmux.keys("alice", "-l", "second");
    tmux.keys("alice", "C-j");
    tmux.keys("alice", "-l", "third");
    tmux.keys("alice", "Enter");
    await tmux.waitFor("bob", /~alice: first\n\s+second\n\s+third/);

    // Line editing: moving, inserting, Home, Ctrl-W, Ctrl-U and the history on Up.
    tmux.keys("alice", "-l", "hello world");
    tmux.keys("alice", "Left", "Left", "Left", "Left", "Left");
    tmux.keys("alice", "-l", "big ");
    tmux.keys("alice", "Home");
    tmux.keys("alice", "-l", ">>");
    tmux.keys("alice", "End");
    tmux.keys("alice", "-l", " extra");
    tmux.keys("alice", "C-w");
    tmux.keys("alice", "Enter");
    await tmux.waitFor("bob", /~alice: >>hello big world\n/);
    tmux.keys("alice", "-l", "to be deleted");
    tmux.keys("alice", "C-u");
    tmux.keys("alice", "Up");
    await tmux.waitFor("alice", /> >>hello big world\s*$/m);
    tmux.keys("alice", "C-u");

    // A line wider than the screen: the end of what is typed stays visible.
    tmux.keys("alice", "-l", `${"z".repeat(300)}TYPED-LAST`);
    await tmux.waitFor("alice", /TYPED-LAST/);
    tmux.keys("alice", "C-u");

    // A 100 KB paste: pasted, sent and received whole.
    const big = `${Array.from({ length: 20_000 }, (_, i) => `x${String(i).padStart(5, "0")} `)
      .join("")
      .slice(0, 100 * 1024 - 7)}ENDMARK`;
    tmux.paste("alice", big);
    await tmux.waitFor("alice", /102,400 characters, 1 line/);
    tmux.keys("alice", "Enter");
    await tmux.waitFor("alice", /ENDMARK ✓/);
    await tmux.waitFor("bob", /ENDMARK/);
    await tmux.type("bob", "/quit");
    await tmux.waitFor("bob", /EXITED 0/);
    const stored = await lastStored(data, "bob");
    expect(stored.length).toBe(big.length);
    expect(stored === big).toBe(true);
    await tmux.type("alice", "/quit");
    await tmux.waitFor("alice", /EXITED 0/);
  }, 240_000);

  it("files both ways with progress, /search, /archive, /leave and /delete; every command is in --help", async () => {
    const { data, tmux, bundles } = await setup(["alice", "bob"]);
    await tmux.type("alice", `/new ${bundles.bob} hi bob, lunch on friday?`);
    await tmux.waitFor("bob", /~alice: hi bob, lunch on friday\?/);

    // A file of 300 KB (5 chunks) goes to Bob's downloads folder, identical.
    const file = join(data, "holiday photo.png");
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
    writeFileSync(file, bytes);
    await tmux.type("alice", `/send ${file}`);
    const saved = await tmux.waitFor("bob", /holiday photo\.png \(293 KB, image\/png\): saved to/);
    expect(saved).toContain(join(data, "downloads", "bob"));
    await tmux.waitFor("alice", /me: \[file\] holiday photo\.png \(293 KB, image\/png\) ✓/);
    const received = readFileSync(join(data, "downloads", "bob", "holiday photo.png"));
    expect(createHash("sha256").update(received).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));

    // And the other way.
    writeFileSync(join(data, "notes.txt"), "the notes\n");
    await tmux.type("bob", `/send ${join(data, "notes.txt")}`);
    await tmux.waitFor("alice", /~bob: \[file\] notes\.txt \(10 B, text\/plain\): saved to/);
    expect(readFileSync(join(data, "downloads", "alice", "notes.txt"), "utf8")).toBe("the notes\n");

    // Search finds messages and files by name, across conversations.
    await tmux.type("bob", "/search FRIDAY");
    await tmux.waitFor("bob", /search "FRIDAY": 1 message/);
    expect(tmux.screen("bob")).toMatch(/\[1 ~alice\] .* ~alice: hi bob, lunch on friday\?/);
    await tmux.type("bob", "/search holiday");
    await tmux.waitFor("bob", /~alice: holiday photo\.png/);
    // Esc is a prefix of other keys: wait for it to take effect before typing on.
    await press(tmux, "bob", "Escape");

    // Archived: out of the bar until a new message brings it back.
    await tmux.type("bob", "/archive");
    await tmux.waitFor("bob", /~alice archived/);
    await press(tmux, "bob", "Escape");
    await tmux.type("bob", "/switch 1");
    await tmux.type("bob", "/list");
    await tmux.waitFor("bob", /1\. ~alice .*\(archived, current\)/);
    await press(tmux, "bob", "Escape");
    tmux.keys("bob", "Tab");
    await tmux.type("alice", "still there?");
    await tmux.waitFor("bob", /conversations:\s+1 ~alice/);

    // /leave in a 1:1 asks first, then tells the peer and deletes the conversation here.
    await tmux.type("bob", "/switch 1");
    await tmux.type("bob", "/leave");
    await tmux.waitFor("bob", /Type \/leave again to confirm/);
    await tmux.type("bob", "/leave");
    await tmux.waitFor("bob", /conversation with ~alice ended and deleted/);
    await tmux.waitFor("bob", /conversations: none yet/);
    expect(tmux.screen("bob")).not.toMatch(/Type \/leave again/);
    await tmux.waitFor("alice", /~bob left this conversation/);
    await tmux.type("alice", "anyone?");
    await tmux.waitFor("alice", /they left this conversation: nothing sent/);

    // /delete asks first; then the conversation, its history and its keys are gone, also after a restart.
    await tmux.type("alice", "/delete");
    await tmux.waitFor("alice", /Type \/delete again to confirm/);
    await tmux.type("alice", "/delete");
    await tmux.waitFor("alice", /conversations: none yet/);
    await tmux.type("alice", "/quit");
    await tmux.waitFor("alice", /EXITED 0/);
    const p = await Profile.open({ dataDir: data, name: "alice" });
    expect(await p.conversations()).toEqual([]);
    await p.close();

    const help = await runCli(["chat", "--help"]);
    for (const [term] of HELP) if (term.startsWith("/")) expect(help.stdout, term).toContain(term);
    await tmux.type("bob", "/quit");
    await tmux.waitFor("bob", /EXITED 0/);
  }, 240_000);

  it("a node restart: said once in plain words, cleared when the node is back; a message sent meanwhile reaches ✓✓", async () => {
    const { data, addr, node, tmux, bundles, chat } = await setup(["alice", "bob"]);
    await tmux.type("alice", `/new ${bundles.bob} before the restart`);
    await tmux.waitFor("alice", /me: before the restart ✓✓/);
    expect(await node.stop()).toBe(0);
    await tmux.waitFor("alice", /lost the node at 127\.0\.0\.1:\d+ \(stopped or restarting\?\)/);
    await tmux.type("alice", "sent while the node is down");
    await tmux.waitFor("alice", /me: sent while the node is down …/);
    await tmux.waitFor("alice", /not sent yet: no node is connected/);
    expect(tmux.screen("alice")).not.toMatch(/ECONNREFUSED|no-peers|publish-failed/);

    const port = /\/tcp\/(\d+)\//.exec(addr)![1]!;
    const again = CliProcess.start(["node", "--data", data, "--port", port, "--ws-port", "off", "--heartbeat", "100"]);
    await again.waitLine((l) => l.startsWith("/ip4/127.0.0.1/tcp/"));
    await tmux.waitFor("alice", /reconnected; \d+ missed message/, 60_000);
    const back = await tmux.waitFor("alice", /me: sent while the node is down ✓✓/, 90_000);
    expect(back).not.toMatch(/not sent yet|lost the node|does not answer/);
    await tmux.waitFor("bob", /~alice: sent while the node is down/);

    // Ctrl-C while still connecting (to a node that is not there) ends the chat at once, with 0.
    tmux.start(
      "carol",
      [...chat("carol").slice(0, -1), "/ip4/127.0.0.1/tcp/9/p2p/12D3KooWNpDYQtoDArMffDm9AcTan8vtxW2FewVZ5Cyf735R9fYY"],
      SMALL,
    );
    await tmux.waitFor("carol", /connecting to the node at 127\.0\.0\.1:9…/);
    tmux.keys("carol", "C-c");
    await tmux.waitFor("carol", /EXITED 0/, 10_000);
    for (const who of ["alice", "bob"]) await tmux.type(who, "/quit");
    for (const who of ["alice", "bob"]) await tmux.waitFor(who, /EXITED 0/);
    expect(await again.stop()).toBe(0);
  }, 240_000);

  it("older history loads on PageUp; news in another conversation rings the bell and marks the bar", async () => {
    const { tmux, bundles, chat } = await setup(["alice", "bob", "carol"]);
    await tmux.type("alice", `/new ${bundles.bob} m000`);
    await tmux.waitFor("bob", /~alice: m000/);
    for (let i = 1; i < 130; i++) await tmux.type("alice", `m${String(i).padStart(3, "0")}`);
    await tmux.waitFor("bob", /~alice: m129/, 60_000);
    // Messages in the conversation on screen do not ring.
    expect(tmux.rang("bob")).toBe(false);

    // Restarted, Bob has the newest 100 loaded; PageUp at the top of them loads the pages before.
    await tmux.type("bob", "/quit");
    await tmux.waitFor("bob", /EXITED 0/);
    tmux.start("bob", chat("bob"), SMALL);
    await tmux.waitFor("bob", /~alice: m129/);
    let screen = "";
    for (let i = 0; i < 40 && !/~alice: m000/.test(screen); i++) screen = await press(tmux, "bob", "PageUp");
    expect(screen).toMatch(/── \w+, \d+ \w+ \d{4} ──\n.*~alice: m000\n/);
    expect(screen).not.toContain("older messages");

    // Carol writes while Bob looks at Alice: the bell rings and the bar marks her with the unread count.
    await tmux.type("carol", `/new ${bundles.bob} hi bob, carol here`);
    await tmux.waitFor("bob", /2 ~carol \(1\)/);
    expect(tmux.screen("bob")).not.toContain("carol here");
    expect(tmux.rang("bob")).toBe(true);
    for (const who of ["alice", "bob", "carol"]) await tmux.type(who, "/quit");
    for (const who of ["alice", "bob", "carol"]) await tmux.waitFor(who, /EXITED 0/);
  }, 240_000);
});
