import { renderToString } from "ink";
import { describe, expect, it } from "vitest";
import { ChatView } from "../../src/chat/app.js";
import {
  addConversation,
  addMessage,
  applyEvent,
  cycle,
  emptyModel,
  notice,
  rename,
  setState,
} from "../../src/chat/model.js";

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
    const out = renderToString(
      <ChatView name="alice" model={m} input="typing" network={{ peers: 1, state: "online" }} rows={20} columns={90} />,
      { columns: 90 },
    );
    expect(out).toContain("parley · alice · online (1 peer)");
    expect(out).toMatch(/1 bob\s+2 cdcdcdcd \(1\)/);
    expect(out).toMatch(/me: hello bob ✓✓/);
    expect(out).toMatch(/me: are you there ✓(?!✓)/);
    expect(out).toMatch(/bob: hi alice/);
    expect(out).not.toContain("psst");
    expect(out).toContain("> typing");
  });

  it("shows my bundle when asked, and a hint when there is no conversation", () => {
    const out = renderToString(
      <ChatView
        name="bob"
        model={emptyModel()}
        input=""
        network={{ peers: 0, state: "connecting" }}
        rows={20}
        columns={80}
        showBundle="logos_chatintro_1_XYZ"
      />,
      { columns: 80 },
    );
    expect(out).toContain("logos_chatintro_1_XYZ");
    expect(out).toContain("none yet (/new <bundle> <message>)");
    expect(out).toContain("connecting (0 peers)");
  });

  it("never draws more rows than the terminal has, keeping the newest messages and notices", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    for (let i = 0; i < 60; i++)
      m = addMessage(m, "a", {
        id: `m${i}`,
        kind: "in",
        text: `message ${i} ${"long words ".repeat(i % 9)}`,
        timestamp: i,
      });
    for (let i = 0; i < 15; i++) m = notice(m, `notice ${i} ${"x".repeat(90)}`);
    for (const [rows, columns, bundle] of [
      [24, 80, undefined],
      [24, 80, "logos_chatintro_1_" + "A".repeat(180)],
      [40, 120, undefined],
      [15, 60, undefined],
    ] as const) {
      const out = renderToString(
        <ChatView
          name="alice"
          model={m}
          input=""
          network={{ peers: 1, state: "online" }}
          rows={rows}
          columns={columns}
          {...(bundle ? { showBundle: bundle } : {})}
        />,
        { columns },
      );
      expect(out.split("\n").length, `${rows}x${columns}`).toBeLessThanOrEqual(rows);
      expect(out).toContain("message 59");
      expect(out).toContain("notice 14");
      expect(out).toContain("parley · alice");
    }
  });

  it("scrolls back: older messages show and the newest are counted below", () => {
    let m = addConversation(emptyModel(), { id: "a", peer: "ab".repeat(32) });
    for (let i = 0; i < 40; i++) m = addMessage(m, "a", { id: `m${i}`, kind: "in", text: `msg-${i}`, timestamp: i });
    const view = (scroll: number) =>
      renderToString(
        <ChatView
          name="a"
          model={m}
          input=""
          network={{ peers: 1, state: "online" }}
          rows={20}
          columns={80}
          scroll={scroll}
        />,
        { columns: 80 },
      );
    expect(view(0)).toContain("msg-39");
    const back = view(30);
    expect(back).toContain("msg-9");
    expect(back).not.toContain("msg-10 ");
    expect(back).not.toContain("msg-39");
    expect(back).toContain("… 30 newer message(s) below (PageDown)");
  });

  it("shows a group by name, each message with its sender's name, and what happened to the group", () => {
    const bob = "b0".repeat(32);
    const carol = "c0".repeat(32);
    let m = addConversation(emptyModel(), { id: "p-bob", peer: bob });
    m = rename(m, "p-bob", "bob");
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
    m = applyEvent(m, { type: "removed", conversationId: "g" });
    m = cycle(m, 1);
    const out = renderToString(
      <ChatView name="alice" model={m} input="" network={{ peers: 1, state: "online" }} rows={24} columns={100} />,
      { columns: 100 },
    );
    expect(out).toMatch(/1 bob\s+2 friends/);
    expect(out).toContain('group "friends"');
    expect(out).toContain('bob added you to the group "friends"');
    expect(out).toMatch(/bob: hi all/);
    expect(out).toMatch(/c0c0c0c0: hey/);
    expect(out).toContain("you were removed from this group");
  });
});
