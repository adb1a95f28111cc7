import { Box, Text, useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { HELP, parseInput } from "./input.js";
import {
  addConversation,
  addMessage,
  applyEvent,
  byNumber,
  type ChatModel,
  clearSystem,
  currentConversation,
  cycle,
  emptyModel,
  type Line,
  nameOf,
  notice,
  rename,
  selectConversation,
  tick,
} from "./model.js";
import type { ChatSession } from "./session.js";

/** How many stored messages per conversation the screen loads at startup. */
const HISTORY_ON_OPEN = 100;

export interface ChatViewProps {
  readonly name: string;
  readonly model: ChatModel;
  readonly input: string;
  readonly network: { readonly peers: number; readonly state: string };
  readonly rows: number;
  readonly columns: number;
  readonly showBundle?: string;
  readonly busy?: string;
  /** How many of the newest messages are scrolled out of view below (PageUp / PageDown). */
  readonly scroll?: number;
}

/** Terminal rows a text of `length` characters takes at `width` columns. */
function rowsOf(length: number, width: number): number {
  return Math.max(1, Math.ceil(length / Math.max(1, width)));
}

/** The newest items that fit in `rows` rows once wrapped, oldest first. */
function fitNewest<T>(items: readonly T[], rows: number, width: number, length: (item: T) => number): T[] {
  const out: T[] = [];
  let used = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const need = rowsOf(length(items[i]!), width);
    if (used + need > rows) break;
    used += need;
    out.unshift(items[i]!);
  }
  return out;
}

function time(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

function MessageLine({ line, peerLabel }: { line: Line; peerLabel: string }) {
  if (line.kind === "notice")
    return (
      <Text dimColor wrap="wrap">
        {`${time(line.timestamp)} · ${line.text}`}
      </Text>
    );
  const mine = line.kind === "out";
  const t = tick(line.state);
  return (
    <Text wrap="wrap">
      <Text dimColor>{time(line.timestamp)} </Text>
      <Text color={mine ? "cyan" : "green"} bold>
        {mine ? "me" : peerLabel}
      </Text>
      <Text>{`: ${line.text}`}</Text>
      {mine && t ? (
        <Text color={line.state === "lost" ? "red" : line.state === "acked" ? "green" : "gray"}>{` ${t}`}</Text>
      ) : null}
    </Text>
  );
}

/** The whole screen, from plain data: a status bar, the conversation bar, the messages, notices, the prompt. */
export function ChatView(p: ChatViewProps) {
  const conv = currentConversation(p.model);
  // Everything must fit the terminal (ink redraws the whole screen when its output is taller), so the
  // newest notices and messages are chosen by the rows they take once wrapped.
  const width = Math.max(20, p.columns);
  const bundleRows = p.showBundle ? 3 + rowsOf(p.showBundle.length, width - 2) : 0;
  const systemBudget = Math.max(1, Math.floor(p.rows / 2) - bundleRows);
  const system = fitNewest(p.model.system, systemBudget, width, (l) => l.text.length);
  const systemRows = system.reduce((n, l) => n + rowsOf(l.text.length, width), 0);
  // Two bars, the box's borders and title, the prompt.
  const room = Math.max(3, p.rows - 6 - systemRows - bundleRows);
  const scroll = conv ? Math.min(p.scroll ?? 0, Math.max(0, conv.lines.length - 1)) : 0;
  const visible = conv ? conv.lines.slice(0, conv.lines.length - scroll) : [];
  const lines = conv
    ? fitNewest(visible, room - (scroll > 0 ? 1 : 0), width - 4, (l) => l.text.length + 12 + conv.label.length)
    : [];
  const netColor = p.network.peers > 0 ? "green" : "yellow";
  return (
    <Box flexDirection="column" width={p.columns}>
      <Text wrap="truncate-end">
        <Text bold color="magenta">
          parley
        </Text>
        <Text>{` · ${p.name} · `}</Text>
        <Text color={netColor}>
          {`${p.network.state} (${p.network.peers} peer${p.network.peers === 1 ? "" : "s"})`}
        </Text>
        <Text dimColor>{"  Tab switch · Ctrl-B my bundle · /help"}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>conversations: </Text>
        {p.model.conversations.length === 0 ? (
          <Text dimColor>none yet (/new &lt;bundle&gt; &lt;message&gt;)</Text>
        ) : null}
        {p.model.conversations.map((c, i) => (
          <Text key={c.id} inverse={c.id === p.model.current}>
            {` ${i + 1} ${c.label}${c.unread > 0 ? ` (${c.unread})` : ""} `}
          </Text>
        ))}
      </Text>
      {p.showBundle ? (
        <Box flexDirection="column" borderStyle="round" borderColor="magenta">
          <Text color="magenta">my intro bundle (give it to whoever should reach you; Ctrl-B hides it):</Text>
          <Text wrap="wrap">{p.showBundle}</Text>
        </Box>
      ) : null}
      <Box
        flexDirection="column"
        borderStyle="single"
        borderColor="gray"
        paddingX={1}
        height={room + 3}
        overflow="hidden"
      >
        {conv ? (
          <Text dimColor>
            {conv.kind === "group"
              ? `group "${conv.label}" (/members lists who is in it)`
              : `with ${conv.label} (peer ${conv.peer.slice(0, 16)}…)`}
          </Text>
        ) : (
          <Text dimColor wrap="wrap">
            No conversation yet. Ctrl-B (or /me) shows your intro bundle: give it to whoever should reach you. To reach
            someone, type /new followed by their bundle and a first message. /help lists every command.
          </Text>
        )}
        {lines.map((l) => (
          <MessageLine
            key={`${l.kind}:${l.id}`}
            line={l}
            peerLabel={l.sender ? nameOf(p.model, l.sender) : (conv?.label ?? "peer")}
          />
        ))}
        {scroll > 0 ? <Text color="yellow">{`… ${scroll} newer message(s) below (PageDown)`}</Text> : null}
      </Box>
      {system.map((l) => (
        <Text key={l.id} color="yellow" wrap="wrap">
          {l.text}
        </Text>
      ))}
      <Box>
        <Text color="cyan">{p.busy ? `${p.busy} ` : "> "}</Text>
        <Text wrap="truncate-start">{p.input}</Text>
        <Text inverse> </Text>
      </Box>
    </Box>
  );
}

export interface ChatAppProps {
  readonly session: ChatSession;
  /** Writes raw bytes to the terminal (OSC 52 clipboard). */
  readonly writeRaw?: (s: string) => void;
}

/** The interactive app: loads the profile, follows the Client's events, and turns keys into commands. */
export function ChatApp({ session, writeRaw }: ChatAppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [model, setModel] = useState<ChatModel>(() => emptyModel());
  const [input, setInputState] = useState("");
  // The latest input, for key handlers that run before React re-renders (a paste with a newline in it).
  const inputRef = useRef("");
  const setInput = useCallback((f: string | ((s: string) => string)) => {
    inputRef.current = typeof f === "string" ? f : f(inputRef.current);
    setInputState(inputRef.current);
  }, []);
  const [bundle, setBundle] = useState("");
  const [showBundle, setShowBundle] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const [scroll, setScroll] = useState(0);
  const [network, setNetwork] = useState(session.network());
  const [size, setSize] = useState({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  const modelRef = useRef(model);
  modelRef.current = model;
  const update = useCallback((f: (m: ChatModel) => ChatModel) => setModel((m) => f(m)), []);

  useEffect(() => {
    const onResize = () => setSize({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
    stdout.on("resize", onResize);
    return () => void stdout.off("resize", onResize);
  }, [stdout]);

  useEffect(() => {
    const t = setInterval(() => {
      const n = session.network();
      // Same values keep the same object, so an unchanged status does not redraw the screen.
      setNetwork((prev) => (prev.peers === n.peers && prev.state === n.state ? prev : n));
    }, 500);
    return () => clearInterval(t);
  }, [session]);

  // Load conversations and their recent history, then follow live events.
  useEffect(() => {
    let stopped = false;
    const iterator = session.events()[Symbol.asyncIterator]();
    (async () => {
      setBundle(await session.bundle());
      for (const c of await session.conversations()) {
        update((m) => addConversation(m, c));
        for (const h of await session.history(c.id, HISTORY_ON_OPEN)) update((m) => addMessage(m, c.id, h, false));
      }
      for (;;) {
        const r = await iterator.next();
        if (r.done || stopped) return;
        update((m) => applyEvent(m, r.value));
      }
    })().catch((err: unknown) => update((m) => notice(m, `error: ${(err as Error).message}`)));
    return () => {
      stopped = true;
      void iterator.return?.();
    };
  }, [session, update]);

  const run = useCallback(
    async (raw: string) => {
      const cmd = parseInput(raw);
      const m = modelRef.current;
      switch (cmd.kind) {
        case "none":
          return;
        case "invalid":
          update((x) => notice(x, cmd.message));
          return;
        case "help":
          update((x) => HELP.reduce((acc, h) => notice(acc, h), clearSystem(x)));
          return;
        case "quit":
          exit();
          return;
        case "clear":
          update(clearSystem);
          return;
        case "me":
          setShowBundle(true);
          return;
        case "copy": {
          const b = await session.bundle();
          writeRaw?.(`\u001b]52;c;${Buffer.from(b).toString("base64")}\u0007`);
          const file = await session.saveBundle();
          update((x) =>
            notice(x, `bundle copied to the clipboard (if the terminal allows OSC 52) and written to ${file}`),
          );
          return;
        }
        case "list":
          update((x) =>
            x.conversations.length === 0
              ? notice(x, "no conversations yet")
              : x.conversations.reduce(
                  (acc, c, i) =>
                    notice(
                      acc,
                      `${i + 1}. ${c.label}  peer ${c.peer.slice(0, 16)}…  ${c.unread} unread${c.id === x.current ? "  (current)" : ""}`,
                    ),
                  x,
                ),
          );
          return;
        case "switch": {
          const c = byNumber(m, cmd.n);
          update((x) => (c ? selectConversation(x, c.id) : notice(x, `no conversation ${cmd.n}; /list shows them`)));
          setScroll(0);
          return;
        }
        case "name": {
          const c = currentConversation(m);
          if (!c) {
            update((x) => notice(x, "no current conversation to name"));
            return;
          }
          if (c.kind === "group") await session.renameGroup(c.id, cmd.label);
          else await session.rename(c.id, cmd.label);
          update((x) => rename(x, c.id, cmd.label));
          return;
        }
        case "group":
        case "add":
        case "remove": {
          // Members are the people of my 1:1 conversations, by their numbers in the bar.
          const people = cmd.numbers.map((n) => byNumber(m, n));
          const bad = cmd.numbers.filter((_, i) => people[i]?.kind !== "private");
          if (bad.length > 0) {
            update((x) => notice(x, `not a 1:1 conversation: ${bad.join(", ")} (see /list)`));
            return;
          }
          const peers = people.map((c) => c!.peer);
          const names = people.map((c) => c!.label).join(", ");
          if (cmd.kind === "group") {
            setBusy("creating the group…");
            try {
              const id = await session.createGroup(cmd.name, peers);
              update((x) =>
                notice(
                  addConversation(x, { id, peer: "", kind: "group", label: cmd.name }, true),
                  `group "${cmd.name}" created; inviting ${names} (their key packages come over your 1:1 conversations)`,
                  id,
                ),
              );
            } finally {
              setBusy(undefined);
            }
            return;
          }
          const c = currentConversation(m);
          if (c?.kind !== "group") {
            update((x) => notice(x, `/${cmd.kind} works in a group: switch to one first`));
            return;
          }
          if (cmd.kind === "add") await session.addMembers(c.id, peers);
          else await session.removeMembers(c.id, peers);
          update((x) => notice(x, `${cmd.kind === "add" ? "adding" : "removing"} ${names}`, c.id));
          return;
        }
        case "members":
        case "leave": {
          const c = currentConversation(m);
          if (c?.kind !== "group") {
            update((x) => notice(x, `/${cmd.kind} works in a group: switch to one first`));
            return;
          }
          if (cmd.kind === "leave") {
            await session.leave(c.id);
            return;
          }
          const members = await session.members(c.id);
          update((x) =>
            members.reduce(
              (acc, mem) =>
                notice(acc, `${mem.self ? "me" : nameOf(acc, mem.peer)}  ${mem.peer.slice(0, 16)}…  ${mem.state}`),
              notice(x, `group "${c.label}": ${members.length} member(s)`),
            ),
          );
          return;
        }
        case "new": {
          setBusy("starting…");
          try {
            const sent = await session.start(cmd.bundle, cmd.text);
            update((x) => {
              const conv = x.conversations.find((c) => c.id === sent.conversationId);
              const withConv = conv ? selectConversation(x, conv.id) : x;
              return addMessage(withConv, sent.conversationId, {
                id: sent.messageId,
                kind: "out",
                text: cmd.text,
                timestamp: sent.timestamp,
                ...(sent.state ? { state: sent.state } : {}),
              });
            });
          } finally {
            setBusy(undefined);
          }
          return;
        }
        case "send": {
          const c = currentConversation(m);
          if (!c) {
            update((x) => notice(x, "no conversation yet: /new <bundle> <message> starts one"));
            return;
          }
          const sent = await session.send(c.id, cmd.text);
          update((x) =>
            addMessage(x, c.id, {
              id: sent.messageId,
              kind: "out",
              text: cmd.text,
              timestamp: sent.timestamp,
              ...(sent.state ? { state: sent.state } : {}),
            }),
          );
          return;
        }
      }
    },
    [session, update, exit, writeRaw],
  );

  useInput((ch, key) => {
    if (key.ctrl && ch === "c") {
      exit();
      return;
    }
    if (key.ctrl && ch === "b") {
      setShowBundle((s) => !s);
      return;
    }
    if (key.tab) {
      update((m) => cycle(m, key.shift ? -1 : 1));
      setScroll(0);
      return;
    }
    if (key.pageUp || key.pageDown) {
      const step = Math.max(1, Math.floor(size.rows / 3));
      setScroll((n) => {
        const total = currentConversation(modelRef.current)?.lines.length ?? 0;
        return Math.max(0, Math.min(total - 1, n + (key.pageUp ? step : -step)));
      });
      return;
    }
    if (key.escape) {
      setInput("");
      setShowBundle(false);
      return;
    }
    const submit = (line: string) =>
      run(line).catch((err: unknown) => update((m) => notice(m, `error: ${(err as Error).message}`)));
    if (key.return) {
      const line = inputRef.current;
      setInput("");
      void submit(line);
      return;
    }
    if (key.backspace || key.delete) {
      setInput((s) => s.slice(0, -1));
      return;
    }
    if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // Typed-ahead or pasted text can arrive as one chunk with Enter inside it: each line break submits.
    if (!ch) return;
    const parts = ch.split(/\r\n|\r|\n/);
    let current = inputRef.current + parts[0];
    for (const next of parts.slice(1)) {
      void submit(current);
      current = next;
    }
    setInput(current);
  });

  return (
    <ChatView
      name={session.name}
      model={model}
      input={input}
      network={network}
      rows={size.rows}
      columns={size.columns}
      {...(showBundle && bundle ? { showBundle: bundle } : {})}
      {...(busy ? { busy } : {})}
      scroll={scroll}
    />
  );
}
