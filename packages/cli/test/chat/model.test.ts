import { describe, expect, it } from "vitest";
import {
  addConversation,
  addMessage,
  applyEvent,
  byNumber,
  type ChatModel,
  currentConversation,
  cycle,
  emptyModel,
  MAX_LINES,
  setState,
  tick,
} from "../../src/chat/model.js";

const A = { id: "conv-a", peer: "aa".repeat(32) };
const B = { id: "conv-b", peer: "bb".repeat(32) };

function two(): ChatModel {
  return addConversation(addConversation(emptyModel(), A), B);
}

describe("chat model", () => {
  it("selects the first conversation, numbers them from 1 and cycles both ways", () => {
    let m = two();
    expect(m.current).toBe("conv-a");
    expect(byNumber(m, 2)?.id).toBe("conv-b");
    expect(byNumber(m, 3)).toBeUndefined();
    expect(byNumber(m, 0)).toBeUndefined();
    m = cycle(m, 1);
    expect(m.current).toBe("conv-b");
    m = cycle(m, 1);
    expect(m.current).toBe("conv-a");
    m = cycle(m, -1);
    expect(m.current).toBe("conv-b");
    expect(currentConversation(m)?.label).toBe("bbbbbbbb");
  });

  it("counts unread incoming messages of other conversations and clears them when switched to", () => {
    let m = two();
    m = applyEvent(m, { type: "message", conversationId: "conv-b", messageId: "m1", text: "hi", timestamp: 1 });
    m = applyEvent(m, { type: "message", conversationId: "conv-b", messageId: "m2", text: "there", timestamp: 2 });
    m = applyEvent(m, { type: "message", conversationId: "conv-a", messageId: "m3", text: "same", timestamp: 3 });
    expect(m.conversations.map((c) => c.unread)).toEqual([0, 2]);
    m = cycle(m, 1);
    expect(m.conversations.map((c) => c.unread)).toEqual([0, 0]);
    // A duplicate delivery of the same message id is shown once.
    m = applyEvent(m, { type: "message", conversationId: "conv-b", messageId: "m2", text: "there", timestamp: 2 });
    expect(currentConversation(m)?.lines.map((l) => l.text)).toEqual(["hi", "there"]);
  });

  it("delivery ticks only move forward, and a state that arrives before the message is kept for it", () => {
    let m = two();
    m = setState(m, "conv-a", "out1", "sent"); // before send() returned
    m = addMessage(m, "conv-a", { id: "out1", kind: "out", text: "yo", timestamp: 5, state: "queued" });
    expect(currentConversation(m)?.lines[0]?.state).toBe("sent");
    expect(m.early.size).toBe(0);
    m = setState(m, "conv-a", "out1", "acked");
    m = setState(m, "conv-a", "out1", "sent"); // stale
    m = setState(m, "conv-a", "out1", "possibly-acked"); // stale
    expect(currentConversation(m)?.lines[0]?.state).toBe("acked");
    m = addMessage(m, "conv-a", { id: "out2", kind: "out", text: "2", timestamp: 6, state: "queued" });
    m = setState(m, "conv-a", "out2", "lost");
    expect(currentConversation(m)?.lines[1]?.state).toBe("lost");
    expect(["queued", "sent", "possibly-acked", "acked", "lost"].map((s) => tick(s as never))).toEqual([
      "…",
      "✓",
      "✓?",
      "✓✓",
      "✗",
    ]);
  });

  it("orders lines by timestamp, caps them, and selects a conversation I started", () => {
    let m = addConversation(emptyModel(), A);
    m = applyEvent(m, {
      type: "conversation-started",
      conversationId: "conv-c",
      peer: "cc".repeat(32),
      initiatedBy: "me",
    });
    expect(m.current).toBe("conv-c");
    m = applyEvent(m, {
      type: "conversation-started",
      conversationId: "conv-d",
      peer: "dd".repeat(32),
      initiatedBy: "peer",
    });
    expect(m.current).toBe("conv-c");
    expect(m.conversations.find((c) => c.id === "conv-d")?.lines[0]?.text).toMatch(/new conversation from dddddddd/);
    m = addMessage(m, "conv-c", { id: "x2", kind: "in", text: "second", timestamp: 20 });
    m = addMessage(m, "conv-c", { id: "x1", kind: "in", text: "first", timestamp: 10 });
    expect(currentConversation(m)?.lines.map((l) => l.text)).toEqual(["first", "second"]);
    for (let i = 0; i < MAX_LINES + 10; i++)
      m = addMessage(m, "conv-c", { id: `n${i}`, kind: "in", text: `${i}`, timestamp: 100 + i });
    const lines = currentConversation(m)!.lines;
    expect(lines).toHaveLength(MAX_LINES);
    expect(lines.at(-1)?.text).toBe(String(MAX_LINES + 9));
  });

  it("ignores events for unknown conversations except as early delivery states", () => {
    const m = applyEvent(emptyModel(), {
      type: "message",
      conversationId: "nope",
      messageId: "m",
      text: "x",
      timestamp: 1,
    });
    expect(m.conversations).toHaveLength(0);
    const e = applyEvent(emptyModel(), { type: "error", message: "boom" });
    expect(e.system.map((l) => l.text)).toEqual(["error: boom"]);
  });
});
