/**
 * The account commands of `parley chat` against real profiles (SQLite store, Client) over MemoryDelivery:
 * /account asks, then creates and shows the recovery code once; /linkcode, /link, the same six words on both
 * screens, /confirm; /devices on both; /revoke asks, then removes; every refusal is a plain notice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryDelivery, VirtualClock } from "@parley/core/testing";
import type { WakuDelivery } from "@parley/waku";
import { afterEach, describe, expect, it } from "vitest";
import { Channel } from "../../src/chat/channel.js";
import { type CommandContext, runLine } from "../../src/chat/commands.js";
import { plainError } from "../../src/chat/errors.js";
import { applyEvent, type ChatEvent } from "../../src/chat/events.js";
import { parseInput } from "../../src/chat/input.js";
import { type ChatModel, emptyModel } from "../../src/chat/model.js";
import { type ProfileSession, profileSession } from "../../src/chat/profile-session.js";
import type { Panel } from "../../src/chat/view.js";
import { Profile } from "../../src/profile.js";
import { testContext } from "../helpers/command-context.js";

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One screen: a profile's session, its model fed by the session's events, and the last panel shown. */
interface Screen {
  readonly profile: Profile;
  readonly session: ProfileSession;
  readonly ctx: CommandContext;
  model: ChatModel;
  panel: Panel | undefined;
  /** Applies the session's events until one makes `done` true. */
  until(done: (m: ChatModel) => boolean): Promise<void>;
  notices(): string[];
  panelText(): string[];
}

async function world(seed: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-cli-account-"));
  dirs.push(dataDir);
  const clock = new VirtualClock();
  const net = new MemoryDelivery({ crypto: new NodeCryptoProvider(), clock, seed });
  const screens: Screen[] = [];
  const screen = async (name: string): Promise<Screen> => {
    const profile = await Profile.open({ dataDir, name, delivery: net.endpoint(name), clock, autoSweep: false });
    const channel = new Channel<ChatEvent>();
    const session = profileSession({
      profile,
      delivery: net.endpoint(name) as unknown as WakuDelivery,
      dataDir,
      channel,
      stopped: () => false,
    });
    closers.push(async () => {
      await session.close();
      await profile.close();
    });
    const events = channel[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<ChatEvent>> | undefined;
    let ctx: CommandContext;
    const s: Screen = {
      profile,
      session,
      model: emptyModel(),
      panel: undefined,
      get ctx() {
        return ctx;
      },
      async until(done) {
        for (let i = 0; !done(s.model); i++) {
          if (i > 2_000) throw new Error(`${name} never got there: ${s.notices().join(" | ")}`);
          // The network moves on while this screen waits (the new device's list arrives on its own timer).
          await settle();
          // One read of the channel at a time, kept across turns: an event is never taken and dropped.
          pending ??= events.next();
          const next = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(r, 100))]);
          if (!next) continue;
          pending = undefined;
          if (!next.done) s.model = applyEvent(s.model, next.value);
        }
      },
      notices: () => s.model.notices.map((n) => n.text),
      panelText: () => (s.panel?.lines ?? []).map((l) => (typeof l === "string" ? l : "raw" in l ? l.raw : l.text)),
    };
    ctx = testContext(session, s);
    screens.push(s);
    return s;
  };
  const settle = async () => {
    await clock.runUntilIdleAsync();
    for (const s of screens) await s.profile.client.idle();
  };
  /** Awaits `p` while the network moves (a command that waits for the other side). */
  const whileSettling = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    const end = () => {
      done = true;
    };
    p.then(end, end);
    while (!done) {
      await settle();
      await new Promise((r) => setTimeout(r, 10));
    }
    return p;
  };
  return { screen, settle, whileSettling, clock };
}

const wordsIn = (text: string) => /these\?\s+((?:[a-z]+\s+){5}[a-z]+)/.exec(text)?.[1]?.split(/\s+/);

describe("parley chat: account commands", () => {
  it("parses the account commands, an address after /new, and refuses bad arguments", () => {
    expect(parseInput("/account")).toEqual({ kind: "account" });
    expect(parseInput("/link parley_link_1_ab\n cd")).toEqual({ kind: "link", code: "parley_link_1_abcd" });
    expect(parseInput("/link logos_chatintro_1_x").kind).toBe("invalid");
    expect(parseInput("/link").kind).toBe("invalid");
    expect(parseInput("/confirm my  laptop")).toEqual({ kind: "confirm", name: "my laptop" });
    expect(parseInput("/confirm")).toEqual({ kind: "confirm" });
    expect(parseInput(`/confirm ${"x".repeat(65)}`).kind).toBe("invalid");
    expect(parseInput("/revoke 2")).toEqual({ kind: "revoke", n: 2 });
    for (const bad of ["/revoke", "/revoke 0", "/revoke x", "/revoke 1.5"])
      expect(parseInput(bad).kind).toBe("invalid");
    expect(parseInput("/new parley_account_1_AB\ncd  ef")).toEqual({
      kind: "new-account",
      address: "parley_account_1_ABcdef",
    });
    for (const k of ["address", "linkcode", "cancel", "devices"]) expect(parseInput(`/${k}`).kind).toBe(k);
  });

  it("says every account error code of the library in plain words, never as the bare code", () => {
    const codes = [
      ...["account-exists", "no-account", "not-account-primary", "not-on-account-list", "own-account"],
      ...["link-in-progress", "link-cancelled", "link-wrong-account", "link-not-expected", "link-words-pending"],
      ...["link-commit-repeated", "link-commit-mismatch", "link-wrong-conversation", "link-out-of-order"],
      ...["link-payload-malformed", "not-a-link", "link-missing-prefix", "link-bad-base64", "link-bad-length"],
      ...["link-bad-checksum", "link-bad-key", "link-bad-signature", "address-missing-prefix", "address-too-long"],
      ...["address-bad-base64", "address-bad-proto", "address-bad-key", "address-device-not-listed"],
      ...["address-bad-signature", "device-list-malformed", "device-list-bad-signature", "device-list-rollback"],
      ...["device-list-fork", "device-list-wrong-account", "account-state-malformed"],
    ];
    for (const code of codes) {
      const text = plainError(`${code}: what the library said`).text;
      expect(text, code).not.toContain(code);
      expect(text, code).not.toContain("what the library said");
    }
    expect(plainError("own-bundle: this link code is this device's own").text).toMatch(/own link code/);
    expect(plainError("own-bundle: that is your own bundle").text).toMatch(/your own bundle/);
    expect(plainError("link-bad-checksum: x").text).toMatch(/damaged/);
  });

  it("creates an account, links a second device with the same six words on both, lists and revokes it", async () => {
    const w = await world("cli-account");
    const a = await w.screen("alice");
    const b = await w.screen("laptop");

    // Nothing without an account; /account asks first, creates on the second time, shows the code once.
    await runLine(a.ctx, "/devices");
    expect(a.notices().at(-1)).toMatch(/belongs to no account/);
    await runLine(a.ctx, "/account");
    expect(await a.profile.client.account.info()).toBeUndefined();
    expect(a.notices().at(-1)).toMatch(/Type \/account again to create one/);
    await runLine(a.ctx, "/account");
    const info = await a.profile.client.account.info();
    expect(info?.primary).toBe(true);
    expect(a.panel?.title).toMatch(/created/);
    expect(a.panelText().join("\n")).toMatch(/RECOVERY CODE, shown this once/);
    expect(a.panelText()[1]).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){13}$/);
    // The second /account shows the account, never the code again.
    await runLine(a.ctx, "/account");
    expect(a.panelText().join("\n")).not.toMatch(/RECOVERY/);
    expect(a.panelText()[0]).toMatch(/this device is the primary/);
    await runLine(a.ctx, "/address");
    expect(a.panelText()[0]).toMatch(/^parley_account_1_/);

    // The new device shows its code; the primary types it; both show the same six words.
    await runLine(b.ctx, "/linkcode");
    const code = b.panelText()[0]!;
    expect(code).toMatch(/^parley_link_1_/);
    await runLine(a.ctx, "/confirm");
    expect(a.notices().at(-1)).toMatch(/no link waits/);
    // A stranger's conversation reaches the laptop first: whatever it shows, the primary's words keep their place.
    const stranger = await w.screen("stranger");
    await stranger.profile.start(await b.profile.bundle(), "hello laptop");
    await b.until((m) => m.conversations.length === 1);
    // The words may need the network (a library that exchanges commitments first): it moves while /link waits.
    await w.whileSettling(runLine(a.ctx, `/link ${code.slice(0, 40)}\n${code.slice(40)}`));
    const primaryWords = wordsIn(a.notices().at(-1)!);
    expect(primaryWords).toHaveLength(6);
    await runLine(a.ctx, `/link ${code}`);
    expect(a.notices().at(-1)).toMatch(/another link waits/);
    const aKey = `key ${a.profile.client.installationKey.slice(0, 16)}`;
    const fromPrimary = () => b.model.notices.find((n) => n.key?.startsWith("link:") && n.text.includes(aKey));
    await b.until(() => fromPrimary() !== undefined);
    expect(wordsIn(fromPrimary()!.text)).toEqual(primaryWords);
    expect(await b.profile.client.account.info()).toBeUndefined();

    await runLine(a.ctx, "/confirm laptop");
    expect(a.notices().at(-1)).toMatch(/"laptop" linked/);
    await b.until((m) => m.notices.some((n) => /^linked to account/.test(n.text)));
    expect(b.notices().join("\n")).toContain(`linked to account ${info!.accountKey.slice(0, 16)}`);
    // The words are answered: their notice is gone.
    expect(b.notices().join("\n")).not.toMatch(/Are they these/);

    // Both list the two devices in the list's order (by key), numbered alike, each marking itself.
    await runLine(a.ctx, "/devices");
    const lines = a.panelText();
    expect(lines).toHaveLength(2);
    const laptop = lines.findIndex((l) => /^\d\. laptop {2}key [0-9a-f]{16}… {2}added [^(]+$/.test(l)) + 1;
    const self = 3 - laptop;
    expect(laptop).toBeGreaterThan(0);
    expect(lines[self - 1]).toMatch(
      new RegExp(`^${self}\\. alice {2}key ${info!.devices[0]!.installationKey.slice(0, 16)}… .*\\(this device\\)$`),
    );
    const unmarked = (l: string) => l.replace(/ {2}\(this device\)$/, "");
    await runLine(b.ctx, "/devices");
    expect(b.panelText().map(unmarked)).toEqual(lines.map(unmarked));
    expect(b.panelText()[laptop - 1]).toMatch(/\(this device\)$/);

    // The linked device links and revokes nothing; a link code is for a device of no account.
    await runLine(b.ctx, `/revoke ${laptop}`);
    expect(b.notices().at(-1)).toMatch(/only the primary device/);
    await runLine(b.ctx, "/linkcode");
    expect(b.notices().at(-1)).toMatch(/already belongs to an account/);
    await runLine(a.ctx, `/revoke ${self}`);
    expect(a.notices().at(-1)).toMatch(/cannot revoke itself/);
    await runLine(a.ctx, "/revoke 3");
    expect(a.notices().at(-1)).toMatch(/no device 3/);

    // /revoke asks; another command in between drops the question; the repetition revokes.
    await runLine(a.ctx, `/revoke ${laptop}`);
    expect(a.notices().at(-1)).toMatch(new RegExp(`revoke "laptop".*Type /revoke ${laptop} again`));
    await runLine(a.ctx, "/devices");
    await runLine(a.ctx, `/revoke ${laptop}`);
    expect((await a.profile.client.account.info())?.devices).toHaveLength(2);
    await runLine(a.ctx, `/revoke ${laptop}`);
    expect(a.notices().at(-1)).toMatch(/"laptop" revoked/);
    await runLine(a.ctx, "/devices");
    expect(a.panelText()).toEqual([expect.stringMatching(/^1\. alice .*\(this device\)$/)]);
  });

  it("/cancel forgets the link; a damaged code or address is a plain error", async () => {
    const w = await world("cli-account-cancel");
    const a = await w.screen("alice");
    const b = await w.screen("phone");
    await runLine(a.ctx, "/account");
    await runLine(a.ctx, "/account");
    await runLine(b.ctx, "/linkcode");
    const code = b.panelText()[0]!;
    const bad = `${code.slice(0, 30)}${code[30] === "A" ? "B" : "A"}${code.slice(31)}`;
    await runLine(a.ctx, `/link ${bad}`);
    expect(a.notices().at(-1)).toMatch(/link code is (damaged|forged)/);
    await w.whileSettling(runLine(a.ctx, `/link ${code}`));
    await runLine(a.ctx, "/cancel");
    expect(a.notices().at(-1)).toMatch(/link cancelled/);
    await runLine(a.ctx, "/cancel");
    expect(a.notices().at(-1)).toMatch(/no link to cancel/);
    await w.settle();
    expect((await a.profile.client.account.info())?.devices).toHaveLength(1);
    expect(await b.profile.client.account.info()).toBeUndefined();
    await runLine(a.ctx, "/new parley_account_1_AAAA");
    expect(a.notices().at(-1)).toMatch(/not a complete account address/);
    await runLine(a.ctx, "/address");
    await runLine(a.ctx, `/new ${a.panelText()[0]}`);
    expect(a.notices().at(-1)).toMatch(/your own account's address/);
  });
});
