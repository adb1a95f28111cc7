import { renderToString } from "ink";
import { describe, expect, it } from "vitest";
import { ChatView } from "../../src/chat/app.js";
import { addConversation, addMessage, applyEvent, emptyModel, rename, setState } from "../../src/chat/model.js";

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
});
