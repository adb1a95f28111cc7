/**
 * The interactive app: opens the session (showing what it is doing), loads the conversations, follows the
 * events, and turns keys into edits, scrolling and commands. What commands do is in commands.ts; what the
 * screen shows is in view.tsx.
 */
import { Box, useApp, useStdin, useStdout } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { bundlePanel, type CommandContext, runLine } from "./commands.js";
import * as ed from "./editor.js";
import { applyEvent, type ChatEvent } from "./events.js";
import { addFileChunk, fileProgress } from "./file-lines.js";
import { type Roster, rosterChanges, rosterOf } from "./groups.js";
import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON, decodeKeys, type KeyEvent } from "./keys.js";
import {
  addConversation,
  addMessage,
  type ChatModel,
  clearNotice,
  clearNotices,
  currentConversation,
  cycle,
  emptyModel,
  notice,
  setArchived,
  setNotice,
  setOlder,
  setPeerName,
} from "./model.js";
import { nameOf } from "./names.js";
import type { ChatHistoryItem, ChatSession } from "./session.js";
import { layout, type Panel, RowsView, type Screen } from "./view.js";

/** Stored messages loaded per conversation at start, and per PageUp beyond them. */
const HISTORY_PAGE = 100;

export interface ChatAppProps {
  readonly name: string;
  /** Opens the profile and the network; `progress` says what it is doing meanwhile. */
  readonly open: (progress: (text: string) => void) => Promise<ChatSession>;
  /** Writes raw bytes to the terminal (bracketed paste, the bell, OSC 52). */
  readonly writeRaw?: (s: string) => void;
}

/** One history item into the model (history never counts as unread). */
export function addHistoryItem(m: ChatModel, conversationId: string, h: ChatHistoryItem): ChatModel {
  if (h.profile !== undefined) return h.sender ? setPeerName(m, h.sender, h.profile) : m;
  if (h.leave) return m;
  const base = {
    timestamp: h.timestamp,
    ...(h.state ? { state: h.state } : {}),
    ...(h.sender ? { sender: h.sender } : {}),
  };
  if (h.file) return addFileChunk(m, conversationId, { ...base, messageId: h.id, kind: h.kind, file: h.file }, false);
  return addMessage(m, conversationId, { ...base, id: h.id, kind: h.kind, text: h.text }, false);
}

export function ChatApp({ name, open, writeRaw }: ChatAppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { setRawMode, internal_eventEmitter: input } = useStdin();
  const [model, setModel] = useState<ChatModel>(() => setNotice(emptyModel(), "startup", "starting…"));
  const modelRef = useRef(model);
  modelRef.current = model;
  const update = useCallback((f: (m: ChatModel) => ChatModel) => {
    modelRef.current = f(modelRef.current);
    setModel(modelRef.current);
  }, []);
  const editorRef = useRef(ed.emptyEditor());
  const [editor, setEditorState] = useState(editorRef.current);
  const setEditor = useCallback((e: ed.Editor) => {
    editorRef.current = e;
    setEditorState(e);
  }, []);
  const [panel, setPanelState] = useState<Panel | undefined>();
  const panelRef = useRef(panel);
  const setPanel = useCallback((p: Panel | undefined) => {
    panelRef.current = p;
    setPanelState(p);
  }, []);
  const [busy, setBusy] = useState<string | undefined>();
  const [scroll, setScrollState] = useState(0);
  const scrollRef = useRef(0);
  const setScroll = useCallback((n: number) => {
    scrollRef.current = n;
    setScrollState(n);
  }, []);
  const sessionRef = useRef<ChatSession | undefined>(undefined);
  const [network, setNetwork] = useState({ peers: 0, state: "starting" });
  const [size, setSize] = useState({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  const screenRef = useRef<Screen | undefined>(undefined);
  const pasting = useRef(false);
  // A bracketed paste is gathered and goes into the input once, at its end: one edit, one redraw.
  const pasted = useRef<string[]>([]);
  const pasteTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const rosters = useRef(new Map<string, Roster>());
  /** Groups I left or was removed from: their roster is no longer mine to report. */
  const inactive = useRef(new Set<string>());
  const ctxRef = useRef<CommandContext | undefined>(undefined);

  useEffect(() => {
    const onResize = () => setSize({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
    stdout.on("resize", onResize);
    return () => void stdout.off("resize", onResize);
  }, [stdout]);

  useEffect(() => {
    writeRaw?.(BRACKETED_PASTE_ON);
    return () => writeRaw?.(BRACKETED_PASTE_OFF);
  }, [writeRaw]);

  useEffect(() => {
    const t = setInterval(() => {
      const s = sessionRef.current;
      if (!s) return;
      const n = s.network();
      // Same values keep the same object, so an unchanged status does not redraw the screen.
      setNetwork((prev) => (prev.peers === n.peers && prev.state === n.state ? prev : n));
    }, 500);
    return () => clearInterval(t);
  }, []);

  /** Compares a group's roster with the last one seen and says what changed, in the group. */
  const noteRoster = useCallback(
    async (s: ChatSession, id: string, label: string | undefined) => {
      const conv = modelRef.current.conversations.find((c) => c.id === id);
      if (conv?.kind !== "group" || inactive.current.has(id)) return;
      const members = await s.members(id).catch(() => undefined);
      if (!members) return;
      const next = rosterOf(label ?? conv.label ?? "group", members);
      const before = rosters.current.get(id);
      rosters.current.set(id, next);
      if (!before) return;
      const leaving = ctxRef.current?.leaving ?? new Set<string>();
      for (const line of rosterChanges(before, next, (p) => nameOf(modelRef.current, p), leaving))
        update((m) => notice(m, line, id));
    },
    [update],
  );

  const onEvent = useCallback(
    async (s: ChatSession, e: ChatEvent) => {
      const before = modelRef.current;
      update((m) => applyEvent(m, e));
      if (e.type === "message" && e.profile === undefined) {
        const conv = before.conversations.find((c) => c.id === e.conversationId);
        if (e.leave && conv?.kind === "group" && e.sender) ctxRef.current?.leaving.add(e.sender);
        const fresh = !e.file || !conv?.lines.some((l) => l.id === `file:${e.file!.transfer}`);
        // A bell for news elsewhere (the bar marks the conversation too); a file rings once.
        if (conv && fresh && e.conversationId !== before.current) writeRaw?.("\u0007");
        if (conv?.archived) {
          update((m) => setArchived(m, conv.id, false));
          await s.archive(conv.id, false).catch(() => undefined);
        }
      }
      if (e.type === "removed" || e.type === "left") inactive.current.add(e.conversationId);
      if (e.type === "conversation-started" && e.kind === "group") await noteRoster(s, e.conversationId, e.label);
      if (e.type === "members-changed") await noteRoster(s, e.conversationId, e.label);
    },
    [update, writeRaw, noteRoster],
  );

  // Open, load the conversations and their recent history, then follow live events.
  useEffect(() => {
    let stopped = false;
    let iterator: AsyncIterator<ChatEvent> | undefined;
    (async () => {
      const s = await open((text) => update((m) => setNotice(m, "startup", text)));
      if (stopped) return;
      sessionRef.current = s;
      update((m) => setNotice(clearNotices(m), "startup", "loading conversations…"));
      const names = await s.peerNames();
      update((m) => [...names].reduce((acc, [peer, n]) => setPeerName(acc, peer, n), m));
      for (const c of await s.conversations()) {
        if (c.inactive) inactive.current.add(c.id);
        update((m) => addConversation(m, c));
        const page = await s.history(c.id, HISTORY_PAGE);
        update((m) =>
          setOlder(
            page.items.reduce((acc, h) => addHistoryItem(acc, c.id, h), m),
            c.id,
            page.before,
          ),
        );
        for (const h of page.items) {
          if (!h.file || h.kind !== "in" || h.file.chunkIndex !== 0) continue;
          const st = await s.fileStatus(h.file.transfer);
          if (st) update((m) => fileProgress(m, c.id, h.file!.transfer, st));
        }
        if (c.kind === "group") await noteRoster(s, c.id, c.label);
      }
      update((m) => clearNotice(m, "startup"));
      iterator = s.events()[Symbol.asyncIterator]();
      for (;;) {
        const r = await iterator.next();
        if (r.done || stopped) return;
        await onEvent(s, r.value);
      }
    })().catch((err: unknown) => {
      if (!sessionRef.current) exit(err as Error);
      else update((m) => notice(m, `error: ${(err as Error).message}`, undefined, "error"));
    });
    return () => {
      stopped = true;
      void iterator?.return?.();
    };
  }, [open, update, exit, onEvent, noteRoster]);

  /** PageUp at the top of what is loaded: the page before it. */
  const loadOlder = useCallback(async () => {
    const s = sessionRef.current;
    const c = currentConversation(modelRef.current);
    if (!s || !c?.older || c.loadingOlder) return;
    update((m) => setOlder(m, c.id, c.older, true));
    try {
      const page = await s.history(c.id, HISTORY_PAGE, c.older);
      update((m) =>
        setOlder(
          page.items.reduce((acc, h) => addHistoryItem(acc, c.id, h), m),
          c.id,
          page.before,
        ),
      );
    } catch (err) {
      update((m) => setOlder(notice(m, `could not load older messages: ${(err as Error).message}`), c.id, c.older));
    }
  }, [update]);

  const ctx = (): CommandContext | undefined => {
    const s = sessionRef.current;
    if (!s) return undefined;
    ctxRef.current ??= {
      session: s,
      model: () => modelRef.current,
      update,
      showPanel: setPanel,
      setBusy,
      setInput: (t) => setEditor(ed.setText(editorRef.current, t)),
      resetScroll: () => setScroll(0),
      exit: () => exit(),
      ...(writeRaw ? { writeRaw } : {}),
      leaving: new Set(),
      renamedGroup: (id, name) => {
        const r = rosters.current.get(id);
        if (r) rosters.current.set(id, { ...r, name });
      },
    };
    return ctxRef.current;
  };

  const scrollBy = (rows: number) => {
    const screen = screenRef.current;
    if (panelRef.current) {
      const max = screen?.panelMax ?? 0;
      const s = Math.max(0, Math.min(max, (panelRef.current.scroll ?? 0) - rows));
      setPanel({ ...panelRef.current, scroll: s });
      return;
    }
    const max = screen?.maxScroll ?? 0;
    if (rows > 0 && scrollRef.current >= max) void loadOlder();
    setScroll(Math.max(0, Math.min(max, scrollRef.current + rows)));
  };

  const onKey = (k: KeyEvent) => {
    const e = editorRef.current;
    const endPaste = () => {
      clearTimeout(pasteTimer.current);
      pasting.current = false;
      const text = pasted.current.join("");
      pasted.current = [];
      if (text) setEditor(ed.insert(editorRef.current, text));
    };
    if (k.type === "paste-start") {
      pasting.current = true;
      pasted.current = [];
      return;
    }
    if (k.type === "paste-end") return endPaste();
    if (pasting.current) {
      // Inside a paste, line breaks and tabs are text. A terminal that never ends its paste does not keep
      // the input captive: the text goes in after a second without more of it.
      if (k.type === "text") pasted.current.push(k.text);
      else if (k.name === "enter" || k.name === "newline") pasted.current.push("\n");
      else if (k.name === "tab") pasted.current.push("\t");
      clearTimeout(pasteTimer.current);
      pasteTimer.current = setTimeout(endPaste, 1_000);
      return;
    }
    if (k.type === "text") return setEditor(ed.insert(e, k.text));
    const page = Math.max(1, (screenRef.current?.body ?? 10) - 1);
    if (k.name === "char" && k.ctrl && k.char === "c") return exit();
    if (k.name === "char" && k.ctrl && k.char === "b") {
      if (panelRef.current?.title === "my intro bundle") return setPanel(undefined);
      void sessionRef.current?.bundle().then((b) => setPanel(bundlePanel(b)));
      return;
    }
    const edited = ed.editKey(e, k);
    if (edited) return setEditor(edited);
    switch (k.name) {
      case "enter": {
        const { line, editor } = ed.submit(e);
        setEditor(editor);
        const c = ctx();
        if (!c) {
          if (line.trim() === "/quit" || line.trim() === "/q") return exit();
          update((m) => notice(m, "still starting: try again in a moment", undefined, "error"));
          return;
        }
        if (line.trim() !== "") setPanel(undefined);
        void runLine(c, line);
        return;
      }
      case "tab":
        setPanel(undefined);
        update((m) => cycle(m, k.shift ? -1 : 1));
        return setScroll(0);
      case "escape":
        if (ctxRef.current?.pending) {
          ctxRef.current.pending = undefined;
          return update((m) => clearNotice(m, "confirm"));
        }
        if (panelRef.current) return setPanel(undefined);
        return update(clearNotices);
      case "pageup":
        return scrollBy(page);
      case "pagedown":
        return scrollBy(-page);
      case "up":
        return scrollBy(1);
      case "down":
        return scrollBy(-1);
      default:
        return;
    }
  };
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;

  useEffect(() => {
    setRawMode(true);
    const handle = (piece: string) => {
      for (const k of decodeKeys(piece)) onKeyRef.current(k);
    };
    input.on("input", handle);
    return () => {
      input.off("input", handle);
      setRawMode(false);
    };
  }, [input, setRawMode]);

  const screen = layout({
    name,
    model,
    input: editor.text,
    cursor: editor.cursor,
    network,
    rows: size.rows,
    columns: size.columns,
    ...(panel ? { panel } : {}),
    ...(busy ? { busy } : {}),
    scroll,
  });
  screenRef.current = screen;
  return (
    <Box flexDirection="column">
      <RowsView rows={screen.rows} width={Math.max(20, size.columns)} />
    </Box>
  );
}
