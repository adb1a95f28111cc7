import { createElement } from "react";
import type { ChatFlags } from "../commands/chat.js";
import { connectClient, resolveNodeAddress, waitConnected } from "../network.js";
import { checkName, UsageError } from "../paths.js";
import { Profile } from "../profile.js";
import { ChatApp } from "./app.js";
import { Channel } from "./channel.js";
import { plainError } from "./errors.js";
import type { ChatEvent } from "./events.js";
import { type ProfileSession, profileSession } from "./profile-session.js";

/** How long the chat waits for its node before saying so (it keeps retrying in the background). */
const CONNECT_WAIT_MS = 15_000;
/** How often the profile records "heard everything live up to now" (the next start catches up from there). */
const ONLINE_MARK_MS = 30_000;
/** Longest the chat takes to close after Ctrl-C or /quit; what is not done by then is abandoned. */
const SHUTDOWN_MS = 3_000;

/** "127.0.0.1:60000" out of a multiaddr, for humans. */
function shortAddress(node: string): string {
  const m = /\/ip[46]\/([^/]+)\/tcp\/(\d+)/.exec(node);
  return m ? `${m[1]}:${m[2]}` : node;
}

/**
 * `parley chat`: draws the screen at once, then loads the network stack, opens the profile over
 * WakuDelivery and catches up from the node's Store, saying what it is doing. Ctrl-C at any point ends it
 * within a few seconds.
 */
export async function runChat(flags: ChatFlags): Promise<number> {
  if (!process.stdin.isTTY)
    throw new UsageError("parley chat needs an interactive terminal (stdin is not a TTY); try `parley demo`");
  checkName(flags.name);
  const node = await resolveNodeAddress(flags.data, flags.node);
  const where = shortAddress(node);
  const channel = new Channel<ChatEvent>();
  let stopped = false;
  let delivery: Awaited<ReturnType<typeof connectClient>> | undefined;
  let profile: Profile | undefined;
  let session: ProfileSession | undefined;
  let connecting: Promise<void> = Promise.resolve();
  let marker: ReturnType<typeof setInterval> | undefined;
  // "Online until" may only move forward once what was missed before has been fetched.
  let caughtUp = false;
  const say = (text: string, level: "info" | "error" = "info") =>
    channel.push({ type: "notice", key: "network", text, level });

  const connect = async (d: NonNullable<typeof delivery>, p: Profile) => {
    say(`connecting to the node at ${where}…`);
    if (!(await waitConnected(d, CONNECT_WAIT_MS, () => stopped))) {
      if (stopped) return;
      say(`the node at ${where} does not answer yet; still trying (is \`parley node\` running?)`, "error");
      await waitConnected(d, 24 * 3600_000, () => stopped);
    }
    if (stopped) return;
    say(`connected to the node at ${where}; fetching what you missed…`);
    const r = await p.catchUp();
    await p.markOnline();
    caughtUp = true;
    say(`connected; fetched ${r.fetched} message(s) from the node's history (${r.readable} new for me)`);
    channel.push({ type: "clear-notice", key: "publish" });
  };

  // While connected, move the online mark forward. After the node was unreachable (it restarted, the link
  // dropped), fetch again what was published meanwhile before moving the mark past the gap.
  const watch = (d: NonNullable<typeof delivery>, p: Profile) => {
    let wasConnected = true;
    let recovering = false;
    let lastMark = Date.now();
    return setInterval(() => {
      if (!caughtUp || recovering || stopped) return;
      const connected = d.libp2p.getPeers().length > 0;
      const lost = wasConnected && !connected;
      const reconnected = connected && !wasConnected;
      wasConnected = connected;
      if (lost) say(`lost the node at ${where} (stopped or restarting?); trying again…`, "error");
      if (reconnected) {
        recovering = true;
        void (async () => {
          if (await waitConnected(d, CONNECT_WAIT_MS, () => stopped)) {
            const r = await p.catchUp();
            await p.markOnline();
            say(`reconnected; ${r.readable} missed message(s) fetched from the node's history`);
            channel.push({ type: "clear-notice", key: "publish" });
          }
        })()
          .catch((err: unknown) => channel.push(failed(err)))
          .finally(() => {
            recovering = false;
          });
      } else if (connected && Date.now() - lastMark >= ONLINE_MARK_MS) {
        lastMark = Date.now();
        void p.markOnline().catch(() => undefined);
      }
    }, 1_000);
  };

  let opening: Promise<unknown> = Promise.resolve();
  const open = (progress: (text: string) => void): Promise<ProfileSession> => {
    const o = start(progress);
    opening = o;
    return o;
  };
  const start = async (progress: (text: string) => void): Promise<ProfileSession> => {
    progress("loading the network stack…");
    const d = await connectClient({ node, cluster: flags.cluster });
    delivery = d;
    if (stopped) throw new Error("stopped");
    progress(`opening profile ${flags.name}…`);
    const p = await Profile.open({
      dataDir: flags.data,
      name: flags.name,
      delivery: d,
      ...(flags.requests ? { config: { invites: { mode: "request" } } } : {}),
    });
    profile = p;
    if (stopped) throw new Error("stopped");
    session = profileSession({ profile: p, delivery: d, dataDir: flags.data, channel, stopped: () => stopped });
    // Connect and catch up in the background: the stored conversations show meanwhile.
    connecting = connect(d, p).catch((err: unknown) => channel.push(failed(err)));
    marker = watch(d, p);
    return session;
  };

  const { render } = await import("ink");
  const app = render(
    createElement(ChatApp, { name: flags.name, open, writeRaw: (s: string) => void process.stdout.write(s) }),
    { exitOnCtrlC: false },
  );
  let failure: unknown;
  try {
    await app.waitUntilExit();
  } catch (err) {
    failure = err;
  }
  stopped = true;
  clearInterval(marker);
  channel.close();
  const shutdown = (async () => {
    await opening.catch(() => undefined);
    if (profile) {
      if (caughtUp && delivery && delivery.libp2p.getPeers().length > 0)
        await profile.markOnline().catch(() => undefined);
      await profile.close().catch(() => undefined);
    }
    await session?.pump.catch(() => undefined);
    await connecting;
    await delivery?.stop().catch(() => undefined);
  })();
  await Promise.race([shutdown, new Promise((r) => setTimeout(r, SHUTDOWN_MS).unref())]);
  if (failure) throw failure;
  return 0;
}

function failed(err: unknown): ChatEvent {
  const p = plainError((err as Error).message ?? String(err));
  return { type: "notice", key: p.key ?? "network", text: p.text, level: "error" };
}
