/**
 * The account half of a profile's ChatSession: `client.account` as the screen calls it, and, on a device that
 * showed a link code, the words of the link the primary starts and then the account it joined, as notices.
 * Written for both shapes of the library: with `link-words` and `account-linked` events, and without them (the
 * words asked for each conversation a peer starts, the account looked for until it is there).
 */
import { type Client, type ClientEvent, fromHex } from "@parley/core";
import { plainError } from "./errors.js";
import type { ChatEvent } from "./events.js";
import type { ChatAccount } from "./session.js";

/** How often a device waiting to be linked looks whether the primary's list has arrived. */
const LINKED_POLL_MS = 500;
/** The notice key of the link's progress; the words of conversation C are under `link:C`. */
export const LINK_NOTICE = "link";

export interface AccountSession extends ChatAccount {
  /** Every Client event, in order: a link conversation started by the primary shows its words. */
  observe(e: ClientEvent): void;
  close(): void;
}

/** The six words, spaced as the primary shows them. */
export function wordsText(words: readonly string[]): string {
  return words.join("  ");
}

/** The link events of a newer library, read without depending on its types. */
type LinkEvent = {
  readonly type: string;
  readonly conversationId?: string;
  readonly words?: readonly string[];
  readonly role?: string;
};

export function accountSession(client: Client, push: (e: ChatEvent) => void): AccountSession {
  const account = client.account;
  let waiting = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  /** Who started each conversation while this device waits (the words' notice names the sender). */
  const starters = new Map<string, string>();

  const stopWatching = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const linked = async () => {
    const info = await account.info();
    if (!info || !waiting) return;
    waiting = false;
    stopWatching();
    // The words shown for each conversation that could have been the link are answered now.
    push({ type: "clear-notice", key: LINK_NOTICE });
    push({
      type: "notice",
      key: LINK_NOTICE,
      text: `linked to account ${info.accountKey.slice(0, 16)}… as one of its ${info.devices.length} devices (/devices lists them)`,
    });
  };
  const watchForList = () => {
    if (timer) return;
    timer = setInterval(() => void linked(), LINKED_POLL_MS);
    timer.unref?.();
  };
  // Keyed by conversation: a stranger's conversation arriving meanwhile shows its own words beside the primary's
  // (they will not match), never in their place.
  const showWords = (conversationId: string, words: readonly string[] | Promise<readonly string[]>) =>
    Promise.resolve(words).then(
      (w) => {
        const peer = starters.get(conversationId);
        push({
          type: "notice",
          key: `${LINK_NOTICE}:${conversationId}`,
          text: `link: your primary device${peer ? ` (key ${peer.slice(0, 16)}…)` : ""} shows six words. Are they these?  ${wordsText(w)}  If they are the same, type /confirm there; if not, /cancel there.`,
        });
      },
      (err: unknown) => {
        const code = (err as { code?: string }).code ?? "error";
        // A conversation that is no link (a newer library says so) has no words: nothing to show.
        if (code === "not-a-link") return;
        push({ type: "error", message: plainError(`${code}: ${(err as Error).message}`).text });
      },
    );

  return {
    info: () => account.info(),
    create: (deviceName) => account.create({ deviceName }),
    address: () => account.address(),
    startConversation: (address) => account.startConversation(address),
    async linkCode() {
      const code = await account.linkCode();
      waiting = true;
      watchForList();
      return code;
    },
    beginLink: (code) => account.beginLink(code),
    async removeDevice(installationKey) {
      const key = fromHex(installationKey);
      if (!key) throw new Error(`not a device key: ${installationKey}`);
      await account.removeDevice(key);
    },
    observe(e) {
      if (!waiting) return;
      const ev = e as LinkEvent;
      if (ev.type === "account-linked") void linked();
      else if (ev.type === "link-words" && ev.role !== "primary" && ev.words && ev.conversationId)
        void showWords(ev.conversationId, ev.words);
      else if (e.type === "conversation-started" && e.initiatedBy === "peer") {
        starters.set(e.conversationId, e.peer);
        void showWords(e.conversationId, account.linkWords(e.conversationId));
      }
    },
    close: stopWatching,
  };
}
