/**
 * The web page in real Chromium (Debian's, through playwright-core) against a real `parley node` and the
 * page served by `parley web`. The scenarios build on each other in order: Alice and Bob in the browser
 * (each a browser profile of their own), Carol a Node client on the libraries. Every wait is for an event
 * or a condition on the page, with generous caps; nothing is skipped (a missing Chromium fails).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ClientEvent } from "@parley/core";
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeUser } from "./support/node-client.js";
import {
  conversations,
  entry,
  messages,
  myBundle,
  open,
  rename,
  send,
  startChat,
  waitFor,
  waitTick,
} from "./support/page.js";
import { type BrowserUser, newUser, type Stack, startStack, unlock, WAIT_MS } from "./support/stack.js";

const PASS = { alice: "alice's long passphrase", bob: "bob's long passphrase" };

let dir: string;
let stack: Stack;
let alice: BrowserUser;
let bob: BrowserUser;
let carol: NodeUser | undefined;
let aliceBundle: string;
/** Bob's short key: the label Alice's page gives their conversation until she names it. */
let bobKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parley-web-e2e-"));
  stack = await startStack(dir);
  alice = await newUser(stack);
  bob = await newUser(stack);
}, 300_000);

afterAll(async () => {
  await carol?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Parley in Chromium", { timeout: TEST_CAP_MS }, () => {
  it("the first screen's files are small: the protocol and network code is a second chunk", () => {
    const page = join(dir, "page");
    const html = readFileSync(join(page, "index.html"), "utf8");
    const first = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(first.some((f) => f.endsWith(".js"))).toBe(true);
    const bytes = first.reduce((n, f) => n + gzipSync(readFileSync(join(page, f))).length, 0);
    // ~20 KiB today (preact, the views, the QR encoder); the session chunk alone is ~350 KiB gzip.
    expect(bytes).toBeLessThan(64 * 1024);
  });

  it("two browser profiles chat through a real parley node, with ticks, unread counts and names", async () => {
    await unlock(alice.page, stack.url, "alice", PASS.alice);
    await unlock(bob.page, stack.url, "bob", PASS.bob);

    aliceBundle = await myBundle(alice.page);
    expect(aliceBundle).toMatch(/^logos_chatintro_1_[A-Za-z0-9_-]+$/);
    await alice.page.getByRole("img", { name: "QR code of my intro bundle" }).waitFor();
    await alice.page.getByRole("button", { name: "Copy bundle" }).click();
    await alice.page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
    expect(await alice.page.evaluate(() => navigator.clipboard.readText())).toBe(aliceBundle);

    await startChat(bob.page, aliceBundle, "hello Alice, it's Bob");
    const bobBundle = await myBundle(bob.page);
    expect(bobBundle).not.toBe(aliceBundle);

    // Alice did not open it yet: one unread.
    await conversations(alice.page)
      .getByRole("button", { name: /, 1 unread$/ })
      .waitFor({ timeout: WAIT_MS });
    const label = await conversations(alice.page)
      .getByRole("button", { name: /^Chat / })
      .getAttribute("aria-label");
    bobKey = /^Chat ([0-9a-f]{8})/.exec(label ?? "")![1]!;
    await open(alice.page, bobKey);
    await messages(alice.page, "hello Alice, it's Bob").waitFor();
    expect(
      await conversations(alice.page)
        .getByRole("button", { name: /unread/ })
        .count(),
    ).toBe(0);
    await rename(alice.page, "Bob");
    await entry(alice.page, "Bob").waitFor();

    await send(alice.page, "hi Bob, Alice here");
    await messages(bob.page, "hi Bob, Alice here").waitFor({ timeout: WAIT_MS });
    await rename(bob.page, "Alice");
    // Both directions end acknowledged by the peer's application (✓✓).
    await waitTick(alice.page, "hi Bob, Alice here", "acked");
    await waitTick(bob.page, "hello Alice, it's Bob", "acked");
  });

  it("a second tab of the same profile is refused with a clear message, and the first keeps working", async () => {
    const second = await bob.context.newPage();
    await second.goto(`${stack.url}?profile=bob`);
    await second.getByLabel("Passphrase").fill(PASS.bob);
    await second.getByRole("button", { name: "Open" }).click();
    const alert = second.getByRole("alert");
    await alert.waitFor({ timeout: WAIT_MS });
    expect(await alert.textContent()).toContain("already open in another tab");
    expect(await second.evaluate(() => document.body.dataset.phase)).toBe("unlock");
    await second.close();
    await send(bob.page, "still here after the second tab");
    await messages(alice.page, "still here after the second tab").waitFor({ timeout: WAIT_MS });
  });

  it("a reload keeps identity, conversations, names, messages and ticks", async () => {
    const before = await myBundle(bob.page);
    await bob.page.reload();
    await bob.page.getByLabel("Passphrase").fill(PASS.bob);
    await bob.page.getByRole("button", { name: "Open" }).click();
    await bob.page.locator("body[data-phase=ready]").waitFor({ timeout: WAIT_MS });
    expect(await myBundle(bob.page)).toBe(before);
    await entry(bob.page, "Alice").waitFor();
    await open(bob.page, "Alice");
    for (const text of ["hello Alice, it's Bob", "hi Bob, Alice here", "still here after the second tab"])
      expect(await messages(bob.page, text).count()).toBe(1);
    await waitTick(bob.page, "hello Alice, it's Bob", "acked");
  });

  it("a closed tab catches up from the node's Store when reopened (unread count), after a wrong passphrase is refused", async () => {
    const page = await bob.context.newPage();
    await bob.page.close();
    await send(alice.page, "sent while Bob's tab was closed");
    await page.goto(`${stack.url}?profile=bob`);
    await page.getByLabel("Passphrase").fill("not bob's passphrase");
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong passphrase" }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel("Passphrase").fill(PASS.bob);
    await page.getByRole("button", { name: "Open" }).click();
    await page.locator("body[data-phase=ready]").waitFor({ timeout: WAIT_MS });
    bob = { context: bob.context, page };
    await entry(page, "Alice")
      .and(page.getByRole("button", { name: /, 1 unread$/ }))
      .waitFor({ timeout: WAIT_MS });
    await open(page, "Alice");
    expect(await messages(page, "sent while Bob's tab was closed").count()).toBe(1);
    await waitTick(alice.page, "sent while Bob's tab was closed", "acked");
  });

  it("going offline and back catches up what was missed, each message exactly once", async () => {
    await bob.page.locator("[data-network=online]").waitFor({ timeout: WAIT_MS });
    await bob.context.setOffline(true);
    await bob.page.locator("[data-network=offline]").waitFor({ timeout: WAIT_MS });
    const missed = ["while you were offline 1", "while you were offline 2", "while you were offline 3"];
    for (const text of missed) await send(alice.page, text);
    expect(await messages(bob.page, missed[0]!).count()).toBe(0);
    await bob.context.setOffline(false);
    await bob.page.locator("[data-network=online]").waitFor({ timeout: WAIT_MS });
    await open(bob.page, "Alice");
    for (const text of missed) await messages(bob.page, text).waitFor({ timeout: WAIT_MS });
    // Resends, the Store's copy and live relay all deliver the same messages: each still shows once, also
    // after Alice saw them acknowledged (every copy that was going to arrive has arrived by then).
    for (const text of missed) await waitTick(alice.page, text, "acked");
    for (const text of missed) expect(await messages(bob.page, text).count()).toBe(1);
    // And the conversation goes on both ways.
    await send(bob.page, "back online");
    await messages(alice.page, "back online").waitFor({ timeout: WAIT_MS });
  });

  it("the network state follows the browser through quick cycles, never online while it is offline", async () => {
    // Each cycle goes offline again at once, while the catch-up of the connection just made still runs: a
    // catch-up cut off that way used to say "online" again, and the next connection then skipped its own.
    await bob.page.evaluate(() => {
      const w = window as unknown as { networkLog: string[] };
      w.networkLog = [];
      const el = document.querySelector("[data-network]")!;
      const note = () => w.networkLog.push(`${el.getAttribute("data-network")} ${navigator.onLine}`);
      new MutationObserver(note).observe(el, { attributes: true });
    });
    for (let i = 0; i < 8; i++) {
      await bob.context.setOffline(true);
      await bob.page.locator("[data-network=offline]").waitFor({ timeout: WAIT_MS });
      await bob.context.setOffline(false);
      await bob.page.locator("[data-network=online]").waitFor({ timeout: WAIT_MS });
    }
    const log = await bob.page.evaluate(() => (window as unknown as { networkLog: string[] }).networkLog);
    expect(log.filter((l) => l === "online false")).toEqual([]);
    expect(log.filter((l) => l.startsWith("online")).length).toBeGreaterThanOrEqual(8);
    // And it still works: what Alice sends now reaches Bob.
    await send(alice.page, "after the cycles");
    await open(bob.page, "Alice");
    await messages(bob.page, "after the cycles").waitFor({ timeout: WAIT_MS });
  });

  it("a browser user and a Node library client share a 1:1 conversation and a group", async () => {
    carol = await NodeUser.connect(stack.tcp);
    const c = carol;
    const started = await c.client.startConversation(aliceBundle, "hi Alice, Carol from Node");
    await entry(alice.page, c.client.installationKey.slice(0, 8)).waitFor({ timeout: WAIT_MS });
    await open(alice.page, c.client.installationKey.slice(0, 8));
    await rename(alice.page, "Carol");
    await messages(alice.page, "hi Alice, Carol from Node").waitFor();
    await send(alice.page, "hello Carol, from the browser");
    expect(await c.received("hello Carol, from the browser")).toBe(started.conversationId);
    await waitTick(alice.page, "hello Carol, from the browser", "acked");

    // Alice makes a group of Bob (browser) and Carol (Node) from her page.
    await alice.page.getByRole("button", { name: "New group" }).click();
    await alice.page.getByLabel("Group name").fill("Team");
    await alice.page.getByRole("checkbox", { name: "Bob" }).check();
    await alice.page.getByRole("checkbox", { name: "Carol" }).check();
    await alice.page.getByRole("button", { name: "Create group" }).click();
    await entry(alice.page, "Team", "Group").waitFor({ timeout: WAIT_MS });
    const roster = alice.page.getByRole("list", { name: "Group members" });
    await waitFor(
      alice.page,
      async () =>
        (await roster
          .getByRole("listitem")
          .filter({ hasText: /^(Bob|Carol) (member|added)/ })
          .count()) === 2,
      "Bob and Carol in the group on Alice's page",
    );
    const joined = await c.next(
      (e): e is Extract<ClientEvent, { type: "conversation-started" }> =>
        e.type === "conversation-started" && e.conversationId !== started.conversationId,
    );
    await entry(bob.page, "Team", "Group").waitFor({ timeout: WAIT_MS });

    await open(alice.page, "Team", "Group");
    await send(alice.page, "welcome to the team");
    expect(await c.received("welcome to the team")).toBe(joined.conversationId);
    await open(bob.page, "Team", "Group");
    await messages(bob.page, "welcome to the team").waitFor({ timeout: WAIT_MS });

    await c.client.send(joined.conversationId, "Carol says hi to the group");
    for (const page of [alice.page, bob.page]) {
      const line = messages(page, "Carol says hi to the group");
      await line.waitFor({ timeout: WAIT_MS });
      // Alice named her "Carol"; Bob has no 1:1 with Carol, so he sees her short key.
      expect(await line.locator(".sender").textContent()).toBe(
        page === alice.page ? "Carol" : c.client.installationKey.slice(0, 8),
      );
    }
    await send(bob.page, "Bob in the group, from another browser");
    await c.received("Bob in the group, from another browser");
    await messages(alice.page, "Bob in the group, from another browser").waitFor({ timeout: WAIT_MS });
  });

  it("the main view, screenshotted to a temp dir, has every element it should", async () => {
    const page = alice.page;
    await open(page, "Team", "Group");
    // The keyboard moves between conversations (Alt+Up / Alt+Down) from the composer, where focus is.
    await page.keyboard.press("Alt+ArrowUp");
    await page.locator("#conversation-title", { hasText: "Carol" }).waitFor({ timeout: WAIT_MS });
    // The composer takes focus in an effect after the switch renders: wait for it, bounded only against a hang.
    await page.waitForFunction(() => document.activeElement?.id === "composer-input", null, { timeout: WAIT_MS });
    await page.keyboard.press("Alt+ArrowDown");
    await page.locator("#conversation-title", { hasText: "Team" }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("button", { name: "Members" }).click();
    // A directory of this run's own: two test runs on one machine must not write one file.
    const shots = mkdtempSync(join(tmpdir(), "parley-web-screens-"));
    const file = join(shots, "main-view.png");
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot of the main view: ${file}`);
    // The file is a PNG of the page's size.
    const png = readFileSync(file);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const viewport = page.viewportSize()!;
    expect(png.readUInt32BE(16)).toBe(viewport.width);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(viewport.height);
    // Structure, not pixels: the landmarks and controls a person (and a screen reader) relies on.
    expect(await page.getByRole("heading", { name: "Parley", level: 1 }).count()).toBe(1);
    expect(await page.locator("[role=status][data-network=online]").count()).toBe(1);
    const nav = conversations(page);
    for (const name of ["New chat", "New group", "My bundle"])
      expect(await nav.getByRole("button", { name }).count()).toBe(1);
    expect(await nav.getByRole("button", { name: /^(Chat|Group) / }).count()).toBe(3);
    const main = page.getByRole("main");
    expect(await main.getByRole("heading", { level: 2 }).textContent()).toContain("Team");
    const list = main.getByRole("list", { name: "Messages with Team" });
    expect(await list.getAttribute("aria-live")).toBe("polite");
    expect(await list.getByRole("listitem").count()).toBeGreaterThanOrEqual(3);
    expect(await main.getByRole("textbox", { name: "Message", exact: true }).count()).toBe(1);
    expect(await main.getByRole("button", { name: "Send" }).count()).toBe(1);
    expect(await page.getByRole("list", { name: "Group members" }).getByRole("listitem").count()).toBe(3);
    expect(await list.locator(".tick[data-state]").count()).toBeGreaterThanOrEqual(1);
  });
});
