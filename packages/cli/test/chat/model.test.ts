import { describe, expect, it } from "vitest";
import { applyEvent } from "../../src/chat/events.js";
import { addFileChunk, fileState } from "../../src/chat/file-lines.js";
import {
  addConversation,
  addMessage,
  byNumber,
  type ChatModel,
  clearNotice,
  confirmMessage,
  currentConversation,
  cycle,
  emptyModel,
  rename,
  setArchived,
  setNotice,
  setPeerName,
  setState,
  tick,
  visibleConversations,
} from "../../src/chat/model.js";
import { conversationLabel, nameOf } from "../../src/chat/names.js";

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
    expect(conversationLabel(m, currentConversation(m)!)).toBe("bbbbbbbb");
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

  it("shows my message at once under a local id, then gives it its real id and the states that came first", () => {
    let m = two();
    m = addMessage(m, "conv-a", { id: "local:1", kind: "out", text: "hi", timestamp: 5, state: "queued" });
    m = setState(m, "conv-a", "real", "sent"); // the network took it before send() returned
    m = confirmMessage(m, "conv-a", "local:1", { messageId: "real", state: "queued" });
    expect(currentConversation(m)?.lines.map((l) => [l.id, l.state])).toEqual([["real", "sent"]]);
    expect(m.early.size).toBe(0);
    m = addMessage(m, "conv-a", { id: "local:2", kind: "out", text: "x", timestamp: 6, state: "queued" });
    m = confirmMessage(m, "conv-a", "local:2", undefined);
    expect(currentConversation(m)?.lines[1]?.state).toBe("lost");
  });

  it("orders lines by timestamp and selects a conversation I started", () => {
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
  });

  it("shows a name a peer gave itself with a ~, below the name I gave, and with its key when it could mislead", () => {
    let m = two();
    m = setPeerName(m, A.peer, "Bob");
    expect(nameOf(m, A.peer)).toBe("~Bob");
    m = rename(m, "conv-b", "bob");
    // Another contact I call "bob": the claim shows the key it comes from.
    expect(nameOf(m, A.peer)).toBe("~Bob (aaaaaaaa)");
    expect(nameOf(m, B.peer)).toBe("bob");
    // My own label always wins over a claim.
    m = setPeerName(m, B.peer, "Alice");
    expect(nameOf(m, B.peer)).toBe("bob");
    // Two peers claiming the same name are both shown with their keys.
    const c = { id: "conv-c", peer: "cc".repeat(32) };
    m = setPeerName(addConversation(m, c), c.peer, "bob");
    expect(nameOf(m, c.peer)).toBe("~bob (cccccccc)");
    expect(
      applyEvent(m, {
        type: "message",
        conversationId: "conv-a",
        messageId: "p",
        text: "",
        timestamp: 9,
        sender: A.peer,
        profile: "Carol",
      }).peerNames.get(A.peer),
    ).toBe("Carol");
  });

  it("notices with a key replace each other and go when no longer true", () => {
    let m = two();
    m = setNotice(m, "network", "connecting to the node…");
    m = setNotice(m, "network", "connected");
    expect(m.notices.map((n) => n.text)).toEqual(["connected"]);
    m = applyEvent(m, { type: "error", message: "not sent yet", key: "publish" });
    m = addMessage(m, "conv-a", { id: "o", kind: "out", text: "x", timestamp: 1, state: "queued" });
    expect(m.notices.map((n) => n.key)).toEqual(["network", "publish"]);
    m = applyEvent(m, { type: "delivery-state", conversationId: "conv-a", messageId: "o", state: "queued" });
    expect(m.notices).toHaveLength(2);
    // The message later reached the network: the publish failure is no longer true.
    m = applyEvent(m, { type: "delivery-state", conversationId: "conv-a", messageId: "o", state: "acked" });
    expect(m.notices.map((n) => n.key)).toEqual(["network"]);
    expect(clearNotice(m, "network").notices).toEqual([]);
  });

  it("gathers the chunks of a file in one line, with the least advanced tick of them", () => {
    let m = two();
    const file = { transfer: "ab".repeat(16), name: "cat.png", mediaType: "image/png", size: 300, chunkCount: 3 };
    m = addFileChunk(m, "conv-b", { messageId: "c0", kind: "in", timestamp: 5, file: { ...file, chunkIndex: 0 } });
    m = addFileChunk(m, "conv-b", { messageId: "c1", kind: "in", timestamp: 6, file: { ...file, chunkIndex: 1 } });
    m = addFileChunk(m, "conv-b", { messageId: "c1", kind: "in", timestamp: 6, file: { ...file, chunkIndex: 1 } });
    const conv = m.conversations.find((c) => c.id === "conv-b")!;
    expect(conv.lines).toHaveLength(1);
    expect(conv.lines[0]!.file!.chunks.size).toBe(2);
    expect(conv.unread).toBe(1);
    const out = { ...file, transfer: "cd".repeat(16) };
    for (const i of [0, 1, 2])
      m = addFileChunk(m, "conv-a", {
        messageId: `o${i}`,
        kind: "out",
        timestamp: 7,
        state: "sent",
        file: { ...out, chunkIndex: i },
      });
    m = setState(setState(m, "conv-a", "o0", "acked"), "conv-a", "o2", "acked");
    const line = () => currentConversation(m)!.lines[0]!;
    expect(fileState(line().file!)).toBe("sent");
    m = setState(m, "conv-a", "o1", "acked");
    expect(fileState(line().file!)).toBe("acked");
  });

  it("hides archived conversations from the bar (numbers stay), and a peer leaving ends a 1:1", () => {
    let m = addConversation(two(), { id: "conv-c", peer: "cc".repeat(32), archived: true });
    expect(visibleConversations(m).map((c) => c.id)).toEqual(["conv-a", "conv-b"]);
    expect(byNumber(m, 3)?.id).toBe("conv-c");
    m = setArchived(m, "conv-a", true);
    expect(m.current).toBe("conv-a");
    expect(visibleConversations(m).map((c) => c.id)).toEqual(["conv-a", "conv-b"]);
    m = cycle(m, 1);
    expect(visibleConversations(m).map((c) => c.id)).toEqual(["conv-b"]);
    m = applyEvent(m, {
      type: "message",
      conversationId: "conv-b",
      messageId: "l",
      text: "",
      timestamp: 1,
      sender: B.peer,
      leave: true,
    });
    expect(currentConversation(m)?.ended).toBe(true);
    expect(currentConversation(m)?.lines.at(-1)?.text).toMatch(/left this conversation/);
  });
});
