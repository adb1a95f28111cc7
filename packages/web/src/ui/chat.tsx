import type { ClientEvent } from "@parley/core";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { contentText } from "../content.js";
import type { NetworkState, WebSession } from "../session.js";
import {
  addMessage,
  type ChatState,
  current,
  EMPTY,
  mergeLoaded,
  nameOf,
  relabel,
  select,
  setDelivery,
  setStatus,
  upsertConversation,
} from "../state.js";
import { ConversationView } from "./conversation.js";
import { NewChatForm, NewGroupForm, RenameForm } from "./forms.js";
import { IntroPanel } from "./intro.js";
import { MembersPanel } from "./members.js";
import { Sidebar } from "./sidebar.js";

type Panel = "intro" | "new-chat" | "new-group" | "rename" | "members" | undefined;

const NETWORK_TEXT: Record<NetworkState, string> = {
  connecting: "connecting to the node…",
  online: "online",
  offline: "offline: messages wait and go out when the node is back",
};

/** The chat screen of one unlocked profile. */
export function Chat({ session, onReady }: { session: WebSession; onReady(): void }) {
  const [state, setState] = useState<ChatState>(EMPTY);
  const [network, setNetwork] = useState<{ state: NetworkState; detail?: string }>({ state: session.network });
  const [panel, setPanel] = useState<Panel>();
  const [bundle, setBundle] = useState("");
  const [notice, setNotice] = useState("");
  const [rosterVersion, setRosterVersion] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const latest = useRef(state);
  latest.current = state;

  const describe = useCallback(
    async (id: string) => {
      const d = await session.describe(id);
      if (d) setState((s) => upsertConversation(s, d));
    },
    [session],
  );

  // Client events, applied in order: a message may follow the start of its conversation at once.
  useEffect(() => {
    let chain = Promise.resolve();
    const apply = async (e: ClientEvent) => {
      switch (e.type) {
        case "conversation-started":
          await describe(e.conversationId);
          if (e.initiatedBy === "me") setState((s) => select(s, e.conversationId));
          return;
        case "message": {
          if (!latest.current.conversations.some((c) => c.id === e.conversationId)) await describe(e.conversationId);
          const text = contentText(e.content);
          setState((s) =>
            addMessage(s, e.conversationId, {
              id: e.messageId,
              direction: "in",
              text,
              sender: e.sender,
              timestamp: e.timestamp,
            }),
          );
          if (latest.current.current === e.conversationId && document.visibilityState === "visible")
            void session.markRead(e.conversationId);
          return;
        }
        case "delivery-state":
          setState((s) => setDelivery(s, e.conversationId, e.messageId, e.state));
          return;
        case "members-changed":
          await describe(e.conversationId);
          setRosterVersion((v) => v + 1);
          return;
        case "removed":
        case "left":
          setState((s) => setStatus(s, e.conversationId, e.type));
          return;
        case "message-missing":
          return;
        case "error":
          setNotice(`${e.error.code}: ${e.error.message}`);
          return;
      }
    };
    const off = session.listen({
      event: (e) => {
        chain = chain.then(() => apply(e)).catch((err: unknown) => setNotice((err as Error).message));
      },
      network: (s, detail) => setNetwork({ state: s, ...(detail ? { detail } : {}) }),
    });
    return off;
  }, [session, describe]);

  // What the profile holds, then ready (the page is usable before the node answers: sends queue).
  useEffect(() => {
    let live = true;
    void (async () => {
      const [convs, b] = await Promise.all([session.conversations(), session.bundle()]);
      if (!live) return;
      setBundle(b);
      setState((s) => convs.reduce(mergeLoaded, s));
      setLoaded(true);
    })();
    return () => {
      live = false;
    };
  }, [session]);
  useEffect(() => {
    if (loaded) onReady();
  }, [loaded, onReady]);

  const open = (id: string) => {
    setState((s) => select(s, id));
    setPanel(undefined);
    void session.markRead(id);
  };

  // Alt+ArrowUp / Alt+ArrowDown: previous / next conversation; Escape closes the side panel.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setPanel(undefined);
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      const list = latest.current.conversations;
      if (list.length === 0) return;
      const i = list.findIndex((c) => c.id === latest.current.current);
      const step = e.key === "ArrowUp" ? -1 : 1;
      const next = list[(((i < 0 ? 0 : i + step) % list.length) + list.length) % list.length]!;
      e.preventDefault();
      open(next.id);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const conv = current(state);
  const convId = conv?.id;
  const loadMembers = useCallback(() => session.members(convId ?? ""), [session, convId]);
  const contacts = state.conversations.filter((c) => c.kind === "private");
  const name = (peer: string) => nameOf(state, peer);

  return (
    <div class="app" data-ready={loaded ? "true" : "false"}>
      <header class="top">
        <h1>Parley</h1>
        <span class="profile">profile {session.profile}</span>
        <span role="status" class={`network ${network.state}`} data-network={network.state}>
          {NETWORK_TEXT[network.state]}
          {network.detail ? ` (${network.detail})` : ""}
        </span>
      </header>
      <Sidebar conversations={state.conversations} current={state.current} onSelect={open} onPanel={setPanel} />
      {conv ? (
        <ConversationView
          conversation={conv}
          nameOf={name}
          onPanel={setPanel}
          onSend={async (text) => {
            const m = await session.send(conv.id, text);
            setState((s) => addMessage(s, conv.id, m));
          }}
        />
      ) : (
        <main class="conversation-view empty" aria-label="No conversation open">
          <p>Open a conversation, start one from someone's intro bundle, or share yours ("My bundle").</p>
        </main>
      )}
      <aside aria-label="Details" class="details">
        {panel === "intro" && <IntroPanel bundle={bundle} />}
        {panel === "new-chat" && (
          <NewChatForm
            onStart={async (b, text) => {
              const r = await session.start(b, text);
              await describe(r.conversationId);
              setState((s) => addMessage(select(s, r.conversationId), r.conversationId, r.message));
              setPanel(undefined);
            }}
          />
        )}
        {panel === "new-group" && (
          <NewGroupForm
            contacts={contacts}
            onCreate={async (groupName, peers) => {
              const id = await session.createGroup(groupName, peers);
              await describe(id);
              setState((s) => select(s, id));
              setPanel("members");
            }}
          />
        )}
        {panel === "rename" && conv && (
          <RenameForm
            conversation={conv}
            onRename={async (label) => {
              await session.rename(conv, label);
              setState((s) => relabel(s, conv.id, label));
              setPanel(undefined);
            }}
          />
        )}
        {panel === "members" && conv?.kind === "group" && (
          <MembersPanel
            group={conv}
            contacts={contacts}
            version={rosterVersion}
            nameOf={name}
            load={loadMembers}
            onAdd={(peers) => session.client.addGroupMembers(conv.id, peers)}
            onRemove={(peer) => session.client.removeGroupMembers(conv.id, [peer])}
            onLeave={() => session.client.leaveGroup(conv.id)}
          />
        )}
        {notice && (
          <p role="alert" class="error">
            {notice}{" "}
            <button type="button" onClick={() => setNotice("")}>
              Dismiss
            </button>
          </p>
        )}
      </aside>
    </div>
  );
}
