/**
 * The account half of a profile's ChatSession: `client.account` as the screen calls it, and, on a device that
 * showed a link code, the words of the link the primary starts and then the account it joined, as notices.
 */
import { type Client, type ClientEvent, fromHex } from "@parley/core";
import { plainError } from "./errors.js";
import type { ChatEvent } from "./events.js";
import type { ChatAccount } from "./session.js";

/** How often a device waiting to be linked looks whether the primary's list has arrived. */
const LINKED_POLL_MS = 500;
/** The notice key of the link's progress on the new device: each step replaces the last. */
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

export function accountSession(client: Client, push: (e: ChatEvent) => void): AccountSession {
  const account = client.account;
  let waiting = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const stopWatching = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  // No Client event says a list was adopted: look until it is there.
  const watchForList = () => {
    if (timer) return;
    timer = setInterval(() => {
      void account.info().then((info) => {
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
      });
    }, LINKED_POLL_MS);
    timer.unref?.();
  };
  // Keyed by conversation: a stranger's conversation arriving meanwhile shows its own words beside the primary's
  // (they will not match), never in their place.
  const showWords = (conversationId: string, peer: string, words: readonly string[] | Promise<readonly string[]>) =>
    Promise.resolve(words).then(
      (w) =>
        push({
          type: "notice",
          key: `${LINK_NOTICE}:${conversationId}`,
          text: `link: your primary device (key ${peer.slice(0, 16)}…) shows six words. Are they these?  ${wordsText(w)}  If they are the same, type /confirm there; if not, /cancel there.`,
        }),
      (err: unknown) =>
        push({
          type: "error",
          message: plainError(`${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}`).text,
        }),
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
      // A newer library says it with an event of its own; this one learns it from the conversation the primary starts.
      const ev = e as {
        type: string;
        conversationId?: string;
        peer?: string;
        words?: readonly string[] | Promise<readonly string[]>;
      };
      if (ev.type === "link-words" && ev.words) void showWords(ev.conversationId ?? "", ev.peer ?? "", ev.words);
      else if (e.type === "conversation-started" && e.initiatedBy === "peer")
        void showWords(e.conversationId, e.peer, account.linkWords(e.conversationId));
    },
    close: stopWatching,
  };
}
