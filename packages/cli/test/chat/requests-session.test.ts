/**
 * /requests, /accept N and /refuse N run against a real profile (SQLite store, Client in request mode) over
 * MemoryDelivery: the commands reach the Client, and the screen's model follows its events.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryDelivery, VirtualClock } from "@parley/core/testing";
import type { WakuDelivery } from "@parley/waku";
import { afterEach, expect, it } from "vitest";
import { Channel } from "../../src/chat/channel.js";
import { runLine } from "../../src/chat/commands.js";
import { applyEvent, type ChatEvent } from "../../src/chat/events.js";
import { emptyModel } from "../../src/chat/model.js";
import { profileSession } from "../../src/chat/profile-session.js";
import { Profile } from "../../src/profile.js";
import { type ScreenState, testContext } from "../helpers/command-context.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("a profile asking for requests lists them, accepts one into a conversation and refuses another", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-cli-requests-"));
  dirs.push(dataDir);
  const clock = new VirtualClock();
  const net = new MemoryDelivery({ crypto: new NodeCryptoProvider(), clock, seed: "cli-requests" });
  const open = (name: string, config?: Parameters<typeof Profile.open>[0]["config"]) =>
    Profile.open({ dataDir, name, delivery: net.endpoint(name), clock, autoSweep: false, ...(config && { config }) });
  const bob = await open("bob", { invites: { mode: "request" } });
  const alice = await open("alice");
  const carol = await open("carol");
  const channel = new Channel<ChatEvent>();
  // The delivery is only asked for its peers (status line), which this test does not draw.
  const session = profileSession({
    profile: bob,
    delivery: net.endpoint("bob") as unknown as WakuDelivery,
    dataDir,
    channel,
    stopped: () => false,
  });
  const screen: ScreenState = { model: emptyModel(), panel: undefined };
  const ctx = testContext(session, screen);
  const settle = async () => {
    await clock.runUntilIdleAsync();
    await bob.client.idle();
  };

  await alice.start(await bob.bundle(), "hello from alice");
  await settle();
  clock.advance(1_000);
  await carol.start(await bob.bundle(), "hello from carol");
  await settle();
  // The screen takes in the Client's events as they come: here, up to the two requests (each a notice).
  const events = channel[Symbol.asyncIterator]();
  for (let requests = 0; requests < 2; ) {
    const { value: e } = await events.next();
    screen.model = applyEvent(screen.model, e);
    if (e.type === "message-request") requests++;
  }
  expect(screen.model.notices.filter((n) => n.text.startsWith("message request from"))).toHaveLength(2);
  await runLine(ctx, "/requests");
  const lines = (screen.panel?.lines ?? []).map(String);
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^1\. .*"hello from alice"$/);
  expect(lines[1]).toMatch(/^2\. .*"hello from carol"$/);
  expect(await bob.client.conversations()).toEqual([]);

  await runLine(ctx, "/refuse 2");
  await runLine(ctx, "/accept 1");
  await runLine(ctx, "/accept 5");
  // Answered requests take their notices with them.
  expect(screen.model.notices.map((n) => n.text)).toEqual([
    expect.stringContaining("refused the message request from"),
    "no message request 5; /requests shows them",
  ]);
  await settle();
  // The Client's events reach the screen through the session's channel, up to the accepted first message.
  for (;;) {
    const { value: e } = await events.next();
    screen.model = applyEvent(screen.model, e);
    if (e.type === "message" && e.text === "hello from alice") break;
  }
  const conversations = await bob.client.conversations();
  expect(conversations.map((c) => c.peer)).toEqual([alice.client.installationKey]);
  expect(screen.model.current).toBe(conversations[0]!.id);
  expect(screen.model.conversations[0]!.lines.map((l) => l.text)).toContain("hello from alice");
  expect(await session.messageRequests()).toEqual([]);
  await Promise.all([bob.close(), alice.close(), carol.close()]);
});
