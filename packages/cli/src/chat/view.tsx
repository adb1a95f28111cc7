/**
 * The whole screen, from plain data: a status bar, the conversation bar, a title, the conversation (or a
 * panel: help, lists, search results, my bundle), the notices and the input. Every row is built to fit the
 * width, and the rows add up to the terminal's height, so ink never wraps or scrolls anything itself.
 */
import { Box, Text } from "ink";
import { type ChatModel, currentConversation, type Notice, visibleConversations } from "./model.js";
import { conversationLabel } from "./names.js";
import { inputSummary, promptRows } from "./prompt.js";
import { conversationRows, type Row, rowText, type Segment, windowRows, wrapRows } from "./rows.js";
import { displayWidth, sanitize, truncate, wrapLine } from "./text.js";

export type PanelLine =
  | string
  | { readonly raw: string }
  | { readonly term: string; readonly text: string; readonly width?: number };

/** A panel shown in place of the conversation until Esc. */
export interface Panel {
  readonly title: string;
  /**
   * Lines wrapped at spaces; `{ raw }` lines are cut at the width instead (a bundle has no spaces); a
   * `{ term, text }` line is a term with its description under a hanging indent.
   */
  readonly lines: readonly PanelLine[];
  /** Rows scrolled down from the top. */
  readonly scroll?: number;
}

export interface ChatViewProps {
  readonly name: string;
  readonly model: ChatModel;
  readonly input: string;
  /** Cursor in `input` (default: its end). */
  readonly cursor?: number;
  readonly network: { readonly peers: number; readonly state: string };
  readonly rows: number;
  readonly columns: number;
  readonly panel?: Panel;
  readonly busy?: string;
  /** Rows of the conversation scrolled out of view below (PageUp / PageDown). */
  readonly scroll?: number;
}

function RowView({ row, width }: { row: Row; width: number }) {
  // Rows are built to fit; truncation only guards against a width the terminal disagrees with.
  const fits = displayWidth(rowText(row)) <= width;
  return (
    <Text wrap="truncate-end">
      {rowText(row) === "" ? " " : null}
      {(fits ? row : [{ text: truncate(rowText(row), width) } as Segment]).map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: segments of one row have no identity but their place
        <Text key={i} color={s.color} dimColor={s.dim} bold={s.bold} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

function statusRow(p: ChatViewProps): Row {
  return [
    { text: "parley", color: "magenta", bold: true },
    { text: ` · ${p.name} · ` },
    {
      text: `${p.network.state}${p.network.state === "starting" ? "" : ` (${p.network.peers} peer${p.network.peers === 1 ? "" : "s"})`}`,
      color: p.network.peers > 0 ? "green" : "yellow",
    },
    { text: "  Tab switch · Ctrl-B my bundle · /help", dim: true },
  ];
}

function barRow(m: ChatModel): Row {
  const list = visibleConversations(m);
  if (list.length === 0) return [{ text: "conversations: none yet (/new <bundle> <message>)", dim: true }];
  const row: Segment[] = [{ text: "conversations:", dim: true }];
  for (const c of list) {
    const n = m.conversations.indexOf(c) + 1;
    const unread = c.unread > 0 && c.id !== m.current;
    row.push({ text: " " });
    row.push({
      text: ` ${n} ${conversationLabel(m, c)}${unread ? ` (${c.unread})` : ""} `,
      ...(c.id === m.current ? { inverse: true } : {}),
      ...(unread ? { color: "yellow", bold: true } : {}),
    });
  }
  return row;
}

function titleRow(m: ChatModel): Row {
  const c = currentConversation(m);
  if (!c) return [{ text: "no conversation yet", dim: true }];
  const label = conversationLabel(m, c);
  const notes = [c.archived ? "archived" : "", c.ended ? "they left" : ""].filter(Boolean).join(", ");
  const extra = notes ? ` (${notes})` : "";
  if (c.kind === "group") return [{ text: `group "${label}"${extra} · /members lists who is in it`, dim: true }];
  const claimed = label.startsWith("~") ? " · ~ = the name they gave themselves; /name sets yours" : "";
  return [{ text: `with ${label}${extra} · key ${c.peer.slice(0, 16)}…${claimed}`, dim: true }];
}

const HINT =
  "No conversation yet. Ctrl-B (or /me) shows your intro bundle: give it to whoever should reach you. To reach someone, type /new followed by their bundle and a first message. /help lists every command.";

function noticeRows(notices: readonly Notice[], width: number, budget: number): Row[] {
  const out: Row[] = [];
  for (let i = notices.length - 1; i >= 0 && out.length < budget; i--) {
    const n = notices[i]!;
    const rows = wrapRows([], n.text, width, undefined, 0).map((r) =>
      r.map((s) => ({ ...s, color: n.level === "error" ? "red" : "yellow" })),
    );
    if (out.length + rows.length > budget) {
      if (out.length === 0) out.unshift(...rows.slice(0, budget));
      break;
    }
    out.unshift(...rows);
  }
  return out;
}

function panelRows(panel: Panel, width: number): Row[] {
  const out: Row[] = [];
  for (const line of panel.lines) {
    if (typeof line !== "string" && "term" in line) {
      const col = Math.min(line.width ?? 26, Math.floor(width / 3));
      const term = line.term.length < col ? line.term.padEnd(col) : `${line.term} `;
      for (const r of wrapRows([{ text: term }], line.text, width, undefined, col)) out.push(r);
    } else if (typeof line !== "string") {
      for (let i = 0; i < Math.max(1, line.raw.length); i += width) out.push([{ text: line.raw.slice(i, i + width) }]);
    } else for (const r of wrapLine(sanitize(line, false), width)) out.push([{ text: r }]);
  }
  return out;
}

export interface Screen {
  readonly rows: Row[];
  /** Rows the conversation can scroll up by (0 when it fits). */
  readonly maxScroll: number;
  /** Rows the conversation (or the panel) has on screen. */
  readonly body: number;
  /** Rows the panel can scroll down by. */
  readonly panelMax: number;
}

/** The screen as rows: every part gets its share of the terminal's height. */
export function layout(p: ChatViewProps): Screen {
  const width = Math.max(20, p.columns);
  const height = Math.max(8, p.rows);
  const cursor = p.cursor ?? p.input.length;
  const summary = inputSummary(p.input);
  const inputMax = Math.max(1, Math.min(8, Math.floor(height / 4)) - (summary ? 1 : 0));
  const input = promptRows(p.input, cursor, width, inputMax, p.busy).rows;
  if (summary) input.unshift([{ text: truncate(`── ${summary} ──`, width), dim: true }]);
  const notices = noticeRows(p.model.notices, width, Math.max(1, Math.floor(height / 4)));
  const body = Math.max(1, height - 3 - notices.length - input.length);
  const top: Row[] = [statusRow(p), barRow(p.model)];
  let middle: Row[];
  let maxScroll = 0;
  let panelMax = 0;
  if (p.panel) {
    const all = panelRows(p.panel, width);
    panelMax = Math.max(0, all.length - body);
    const s = Math.max(0, Math.min(p.panel.scroll ?? 0, panelMax));
    const more = all.length - s - body;
    const pages = all.length > body ? ` · PageUp/PageDown (${more > 0 ? `${more} more rows` : "end"})` : "";
    middle = [
      [{ text: truncate(`── ${p.panel.title} · Esc closes${pages} ──`, width), color: "magenta" }],
      ...all.slice(s, s + body),
    ];
  } else {
    const conv = currentConversation(p.model);
    const all = conv
      ? conversationRows(p.model, conv, width)
      : wrapLine(HINT, width).map((t): Row => [{ text: t, dim: true }]);
    // Scrolled up, the last row says how much is below: the window is one row shorter.
    maxScroll = all.length > body ? all.length - (body - 1) : 0;
    const scrolled = Math.min(p.scroll ?? 0, maxScroll) > 0;
    const view = windowRows(all, scrolled ? body - 1 : body, p.scroll ?? 0);
    const rows = view.rows;
    // At the top of what is loaded, say that there is more (PageUp loads it).
    if (conv && view.start === 0 && (conv.older || conv.loadingOlder) && rows.length >= body - 1)
      rows[0] = [{ text: conv.loadingOlder ? "… loading older messages" : "… older messages: PageUp", dim: true }];
    middle = [titleRow(p.model), ...rows];
    if (scrolled)
      middle.push([
        { text: `── ${view.scroll} more row${view.scroll === 1 ? "" : "s"} below (PageDown) ──`, color: "yellow" },
      ]);
  }
  const fill = height - top.length - middle.length - notices.length - input.length;
  const blank: Row[] = Array.from({ length: Math.max(0, fill) }, () => []);
  // The conversation sits just above the notices and the input, as chat screens do; a panel reads from the top.
  const rows = (
    p.panel
      ? [...top, ...middle, ...blank, ...notices, ...input]
      : [...top, ...middle.slice(0, 1), ...blank, ...middle.slice(1), ...notices, ...input]
  ).slice(0, height);
  return { rows, maxScroll, body, panelMax };
}

export function RowsView({ rows, width }: { rows: readonly Row[]; width: number }) {
  return (
    <Box flexDirection="column" width={width}>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a row is its place on the screen
        <RowView key={i} row={row} width={width} />
      ))}
    </Box>
  );
}

/** The screen for given props (tests render it with ink's renderToString). */
export function ChatView(p: ChatViewProps) {
  return <RowsView rows={layout(p).rows} width={Math.max(20, p.columns)} />;
}
