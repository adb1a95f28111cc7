import { createElement } from "react";
import type { ChatFlags } from "../commands/chat.js";
import { connectClient, resolveNodeAddress, waitConnected } from "../network.js";
import { UsageError } from "../paths.js";
import { Profile } from "../profile.js";
import { ChatApp } from "./app.js";
import { Channel } from "./channel.js";
import type { ChatEvent } from "./model.js";
import type { ChatSession } from "./session.js";

/** How long the chat waits for its node before saying so (it keeps retrying in the background). */
const CONNECT_WAIT_MS = 15_000;
/** How often the profile records "heard everything live up to now" (the next start catches up from there). */
const ONLINE_MARK_MS = 30_000;

/** `parley chat`: opens the profile over WakuDelivery, catches up from the node's Store, runs the ink app. */
export async function runChat(flags: ChatFlags): Promise<number> {
  if (!process.stdin.isTTY)
    throw new UsageError("parley chat needs an interactive terminal (stdin is not a TTY); try `parley demo`");
  const node = await resolveNodeAddress(flags.data, flags.node);
  const delivery = await connectClient({ node, cluster: flags.cluster });
  let profile: Profile;
  try {
    profile = await Profile.open({ dataDir: flags.data, name: flags.name, delivery });
  } catch (err) {
    await delivery.stop();
    throw err;
  }
  const channel = new Channel<ChatEvent>();
  const pump = (async () => {
    for await (const e of profile.events()) channel.push(e);
  })();
  let stopped = false;
  // "Online until" may only move forward once what was missed before has been fetched.
  let caughtUp = false;
  const session: ChatSession = {
    name: flags.name,
    bundle: () => profile.bundle(),
    conversations: () => profile.conversations(),
    history: (id, limit) => profile.history(id, limit),
    events: () => channel,
    start: (bundle, text) => profile.start(bundle, text),
    send: (id, text) => profile.send(id, text),
    rename: (id, label) => profile.rename(id, label),
    createGroup: (name, peers) => profile.createGroup(name, peers),
    addMembers: (id, peers) => profile.addMembers(id, peers),
    removeMembers: (id, peers) => profile.removeMembers(id, peers),
    leave: (id) => profile.leave(id),
    renameGroup: (id, name) => profile.renameGroup(id, name),
    members: (id) => profile.members(id),
    saveBundle: () => profile.saveBundle(flags.data),
    network: () => {
      if (stopped) return { peers: 0, state: "offline" };
      const peers = delivery.libp2p.getPeers().length;
      return { peers, state: peers > 0 ? "online" : "connecting" };
    },
    close: async () => undefined,
  };

  // Connect and catch up in the background, so the screen (and my stored conversations) show at once.
  const connecting = (async () => {
    channel.push({ type: "notice", text: `connecting to ${node}` });
    if (!(await waitConnected(delivery, CONNECT_WAIT_MS, () => stopped))) {
      channel.push({ type: "notice", text: "the node does not answer yet; still trying (is `parley node` running?)" });
      await waitConnected(delivery, 24 * 3600_000, () => stopped);
    }
    if (stopped) return;
    const r = await profile.catchUp();
    await profile.markOnline();
    caughtUp = true;
    channel.push({
      type: "notice",
      text: `connected; fetched ${r.fetched} message(s) from the node's history (${r.readable} new for me)`,
    });
  })().catch((err: unknown) => channel.push({ type: "error", message: `catch-up failed: ${(err as Error).message}` }));
  // While connected, move the online mark forward. After the node was unreachable (it restarted, the link
  // dropped), fetch again what was published meanwhile before moving the mark past the gap.
  let wasConnected = true;
  let recovering = false;
  let lastMark = Date.now();
  const marker = setInterval(() => {
    if (!caughtUp || recovering || stopped) return;
    const connected = delivery.libp2p.getPeers().length > 0;
    const reconnected = connected && !wasConnected;
    wasConnected = connected;
    if (reconnected) {
      recovering = true;
      void (async () => {
        if (await waitConnected(delivery, CONNECT_WAIT_MS, () => stopped)) {
          const r = await profile.catchUp();
          await profile.markOnline();
          channel.push({ type: "notice", text: `reconnected; ${r.readable} missed message(s) fetched from history` });
        }
      })()
        .catch((err: unknown) => channel.push({ type: "error", message: `catch-up failed: ${(err as Error).message}` }))
        .finally(() => {
          recovering = false;
        });
    } else if (connected && Date.now() - lastMark >= ONLINE_MARK_MS) {
      lastMark = Date.now();
      void profile.markOnline().catch(() => undefined);
    }
  }, 1_000);

  const { render } = await import("ink");
  const app = render(createElement(ChatApp, { session, writeRaw: (s: string) => void process.stdout.write(s) }), {
    exitOnCtrlC: false,
  });
  try {
    await app.waitUntilExit();
  } finally {
    stopped = true;
    clearInterval(marker);
    if (caughtUp && delivery.libp2p.getPeers().length > 0) await profile.markOnline().catch(() => undefined);
    channel.close();
    await profile.close();
    await pump.catch(() => undefined);
    await connecting;
    await delivery.stop();
  }
  return 0;
}
