import { renderToString } from "ink";
import { describe, expect, it } from "vitest";
import { bundlePanel } from "../../src/chat/commands.js";
import { applyEvent } from "../../src/chat/events.js";
import { addFileChunk, fileProgress } from "../../src/chat/file-lines.js";
import {
  addConversation,
  addMessage,
  type ChatModel,
  cycle,
  emptyModel,
  notice,
  rename,
  setOlder,
  setPeerName,
  setState,
} from "../../src/chat/model.js";
import { displayWidth } from "../../src/chat/text.js";
import { ChatView, type ChatViewProps, layout } from "../../src/chat/view.js";

const online = { peers: 1, state: "online" };

function view(p: Partial<ChatViewProps> & { model: ChatModel }, rows = 24, columns = 80): string {
  const out = renderToString(<ChatView name="alice" input="" network={online} rows={rows} columns={columns} {...p} />, {
    columns,
  });
  const lines = out.split("\n");
  expect(lines.length, "rows").toBeLessThanOrEqual(rows);
  for (const l of lines) expect(displayWidth(l), l).toBeLessThanOrEqual(columns);
  return out;
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${String(i).padStart(3, "0")}`).join(" ");

describe("chat screen", () => {
  it("shows the status, the conversations with unread counts, the messages with ticks, and the prompt", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    m = rename(m, "a", "bob");
    m = addConversation(m, { id: "c", peer: "cd".repeat(32) });
    m = addMessage(m, "a", { id: "o1", kind: "out", text: "hello bob", timestamp: 1, state: "queued" });
    m = setState(m, "a", "o1", "acked");
    m = addMessage(m, "a", { id: "o2", kind: "out", text: "are you there", timestamp: 2, state: "sent" });
    m = applyEvent(m, { type: "message", conversationId: "a", messageId: "i1", text: "hi alice", timestamp: 3 });
    m = applyEvent(m, { type: "message", conversationId: "c", messageId: "i2", text: "psst", timestamp: 4 });
    const out = view({ model: m, input: "typing" }, 20, 90);
    expect(out).toContain("parley · alice · online (1 peer)");
    expect(out).toMatch(/1 bob\s+2 cdcdcdcd \(1\)/);
    expect(out).toMatch(/me: hello bob ✓✓/);
    expect(out).toMatch(/me: are you there ✓(?!✓)/);
    expect(out).toMatch(/bob: hi alice/);
    expect(out).not.toContain("psst");
    expect(out).toContain("> typing");
  });

  it("a 1,300-character message on 80×24 is wrapped and shows whole, never a blank view", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    const long = words(163).slice(0, 1300);
    expect(long.length).toBe(1300);
    m = addMessage(m, "a", { id: "long", kind: "in", text: long, timestamp: Date.UTC(2026, 0, 5, 12, 1) });
    const out = view({ model: m });
    expect(out.match(/word\d{3}/g)?.length).toBe(long.match(/word\d{3}/g)?.length);
    expect(out).toContain(long.slice(-12));
  });

  it("a message taller than the screen is read whole by scrolling rows, a page or a row at a time", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    m = addMessage(m, "a", { id: "short", kind: "in", text: "before", timestamp: Date.UTC(2026, 0, 5, 12) });
    const long = words(500);
    m = addMessage(m, "a", { id: "long", kind: "in", text: long, timestamp: Date.UTC(2026, 0, 5, 12, 1) });
    const bottom = view({ model: m });
    expect(bottom).toContain("word499");
    expect(bottom).not.toContain("before");
    const { maxScroll, body } = layout({ name: "alice", model: m, input: "", network: online, rows: 24, columns: 80 });
    expect(maxScroll).toBeGreaterThan(body);
    // Every word appears in some window, a page at a time.
    const seen = new Set<string>();
    for (let s = 0; s <= maxScroll + body; s += body - 2)
      for (const w of view({ model: m, scroll: s }).match(/word\d{3}/g) ?? []) seen.add(w);
    expect(seen.size).toBe(500);
    const top = view({ model: m, scroll: maxScroll });
    expect(top).toContain("before");
    expect(top).toContain("word000");
    expect(top).toMatch(/── Monday, 5 January 2026 ──/);
    expect(top).toMatch(/── \d+ more rows below \(PageDown\) ──/);
    // A row at a time: one row up shows exactly one more row of the message at the top.
    const one = view({ model: m, scroll: 1 });
    expect(one).toMatch(/── 1 more row below/);
    expect(one).not.toContain("word499");
  });

  it("puts a date row where the day changes, and says when older history can be loaded", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    m = addMessage(m, "a", { id: "1", kind: "in", text: "late on Monday", timestamp: Date.UTC(2026, 0, 5, 12) });
    m = addMessage(m, "a", { id: "2", kind: "in", text: "Tuesday already", timestamp: Date.UTC(2026, 0, 6, 12) });
    const out = view({ model: m });
    expect(out.indexOf("Monday, 5 January 2026")).toBeLessThan(out.indexOf("late on Monday"));
    expect(out.indexOf("Tuesday, 6 January 2026")).toBeGreaterThan(out.indexOf("late on Monday"));
    expect(out.indexOf("Tuesday, 6 January 2026")).toBeLessThan(out.indexOf("Tuesday already"));
    for (let i = 0; i < 40; i++)
      m = addMessage(m, "a", { id: `m${i}`, kind: "in", text: `m${i}`, timestamp: Date.UTC(2026, 0, 7, 12, i) });
    m = setOlder(m, "a", "cursor-1");
    const { maxScroll } = layout({ name: "alice", model: m, input: "", network: online, rows: 24, columns: 80 });
    expect(view({ model: m, scroll: maxScroll })).toContain("… older messages: PageUp");
    expect(view({ model: setOlder(m, "a", "cursor-1", true), scroll: maxScroll })).toContain(
      "… loading older messages",
    );
  });

  it("the input always shows the cursor and the last character typed, even far wider than the screen", () => {
    const m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    const typed = `${"x".repeat(500)}THE-END`;
    const out = view({ model: m, input: typed });
    expect(out).toContain("THE-END");
    // The cursor in the middle of a long line: the text around it shows.
    const mid = view({ model: m, input: `${"a".repeat(300)}MIDDLE${"b".repeat(3000)}`, cursor: 303 });
    expect(mid).toContain("MIDDLE");
    // A 100 KB paste shows its size and lines, and its end.
    const big = `${"y".repeat(100 * 1024 - 3)}END`;
    const pasted = view({ model: m, input: big });
    expect(pasted).toContain("102,400 characters, 1 line");
    expect(pasted).toContain("END");
    // Lines of a multi-line input show on their own rows.
    expect(view({ model: m, input: "one\n\nthree" })).toMatch(/> one\n\s*\n\s+three/);
  });

  it("shows my bundle alone, without borders, so a mouse copy gives the bundle", () => {
    const bundle = `logos_chatintro_1_${"Ab-_9".repeat(36)}`;
    const out = view({ model: emptyModel(), panel: bundlePanel(bundle) });
    expect(out).not.toMatch(/[│┃╭╮╰╯┌┐└┘]/);
    const rows = out.split("\n");
    const first = rows.findIndex((r) => r.startsWith("logos_chatintro_1_"));
    expect(rows.slice(first, first + 3).join("")).toBe(bundle);
    expect(out).toContain("none yet (/new <bundle> <message>)");
  });

  it("names a group and each sender, marks names peers gave themselves, and says what happened to the group", () => {
    const bob = "b0".repeat(32);
    const carol = "c0".repeat(32);
    let m = addConversation(emptyModel(), { id: "p-bob", peer: bob });
    m = rename(m, "p-bob", "bob");
    m = setPeerName(m, carol, "Carol");
    m = applyEvent(m, {
      type: "conversation-started",
      conversationId: "g",
      peer: bob,
      initiatedBy: "peer",
      kind: "group",
      label: "friends",
    });
    m = applyEvent(m, {
      type: "message",
      conversationId: "g",
      messageId: "1",
      text: "hi all",
      timestamp: 1,
      sender: bob,
    });
    m = applyEvent(m, {
      type: "message",
      conversationId: "g",
      messageId: "2",
      text: "hey",
      timestamp: 2,
      sender: carol,
    });
    m = notice(m, "~Carol joined", "g");
    m = applyEvent(m, { type: "removed", conversationId: "g" });
    m = cycle(m, 1);
    const out = view({ model: m }, 24, 100);
    expect(out).toMatch(/1 bob\s+2 friends/);
    expect(out).toContain('group "friends"');
    expect(out).toContain('bob added you to the group "friends"');
    expect(out).toMatch(/bob: hi all/);
    expect(out).toMatch(/~Carol: hey/);
    expect(out).toContain("~Carol joined");
    expect(out).toContain("you were removed from this group");
  });

  it("shows a file once, with its progress and where it was saved", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    const file = { transfer: "ab".repeat(16), name: "cat.png", mediaType: "image/png", size: 300_000, chunkCount: 5 };
    m = addFileChunk(m, "a", { messageId: "c0", kind: "in", timestamp: 5, file: { ...file, chunkIndex: 0 } });
    m = addFileChunk(m, "a", { messageId: "c3", kind: "in", timestamp: 5, file: { ...file, chunkIndex: 3 } });
    expect(view({ model: m })).toMatch(/\[file\] cat\.png \(293 KB, image\/png\): receiving 2\/5 \(40%\)/);
    m = fileProgress(m, "a", file.transfer, { received: 5, savedAs: "/home/a/downloads/cat.png" });
    expect(view({ model: m })).toMatch(/cat\.png \(293 KB, image\/png\): saved to\s+\/home\/a\/downloads\/cat\.png/);
  });

  it("never draws more rows or columns than the terminal has, and shows the newest notices", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    for (let i = 0; i < 60; i++)
      m = addMessage(m, "a", {
        id: `m${i}`,
        kind: "in",
        text: `message ${i} ${"long words ".repeat(i % 9)}漢字🙂`,
        timestamp: i,
      });
    for (let i = 0; i < 15; i++) m = notice(m, `notice ${i} ${"x".repeat(90)}`);
    for (const [rows, columns] of [
      [24, 80],
      [40, 120],
      [15, 60],
      [10, 24],
    ] as const) {
      const out = view({ model: m, input: "a".repeat(200) }, rows, columns);
      expect(out).toContain("notice 14");
      expect(out).toContain("parley · alice");
      if (columns >= 60) expect(out).toContain("message 59");
    }
  });

  it("draws control characters from a peer as harmless marks", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    m = addMessage(m, "a", { id: "x", kind: "in", text: "evil \u001b[2J\u001b]52;c;AAAA\u0007 done", timestamp: 1 });
    const out = view({ model: m });
    expect(out).not.toContain("\u001b[2J");
    expect(out).not.toContain("\u0007");
    expect(out).toContain("^[[2J^[]52;c;AAAA^G done");
  });
});
