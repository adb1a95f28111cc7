/**
 * Message requests on the chat screen: the commands' syntax, the notice when a request arrives, one notice
 * (not one per invite) for a flood of dropped invites, and the /requests panel.
 */
import type { ClientEvent } from "@parley/core";
import { renderToString } from "ink";
import { describe, expect, it } from "vitest";
import { requestLines } from "../../src/chat/commands.js";
import { applyEvent, fromClientEvent } from "../../src/chat/events.js";
import { parseInput } from "../../src/chat/input.js";
import { emptyModel, setPeerName } from "../../src/chat/model.js";
import { ChatView } from "../../src/chat/view.js";

const BOB = "b0".repeat(32);
const MALLORY = "ee".repeat(32);

describe("message requests in parley chat", () => {
  it("parses /requests, /accept N and /refuse N", () => {
    expect(parseInput("/requests")).toEqual({ kind: "requests" });
    expect(parseInput("/accept 2")).toEqual({ kind: "accept", n: 2 });
    expect(parseInput("/refuse 1")).toEqual({ kind: "refuse", n: 1 });
    for (const bad of ["/accept", "/accept 0", "/refuse x", "/refuse 1.5"])
      expect(parseInput(bad), bad).toMatchObject({ kind: "invalid", message: expect.stringContaining("/requests") });
  });

  it("a request arriving says who and how to answer; a flood of dropped invites is one notice", () => {
    let m = setPeerName(emptyModel(), BOB, "bob");
    m = applyEvent(m, fromClientEvent({ type: "message-request", requestId: "r1", peer: BOB }));
    expect(m.notices.at(-1)?.text).toMatch(/message request from ~bob.*\/requests.*\/accept N or \/refuse N/);
    const dropped: ClientEvent = { type: "invite-dropped", reason: "rate", source: "invite", peer: MALLORY };
    for (let i = 0; i < 500; i++) m = applyEvent(m, fromClientEvent({ ...dropped, peer: `${i}`.padStart(64, "0") }));
    const flood = m.notices.filter((n) => n.key === "invites");
    expect(flood).toHaveLength(1);
    expect(flood[0]!.text).toContain("some were dropped");
    m = applyEvent(m, fromClientEvent({ ...dropped, reason: "cap" }));
    expect(m.notices.filter((n) => n.key === "invites")).toMatchObject([{ text: expect.stringContaining("/refuse") }]);
    m = applyEvent(m, fromClientEvent({ ...dropped, reason: "expired", conversationId: "r9" }));
    expect(m.notices.at(-1)?.text).toContain(`a message request from key ${MALLORY.slice(0, 16)}… expired`);
    // The conversation list is untouched: a request is not a conversation.
    expect(m.conversations).toEqual([]);
  });

  it("the /requests panel numbers the requests with name, key and first message", () => {
    const m = setPeerName(emptyModel(), BOB, "bob");
    const lines = requestLines(m, [
      { id: "r1", peer: BOB, receivedAt: Date.UTC(2026, 0, 5, 12, 0), text: "hello, it's bob" },
      { id: "r2", peer: MALLORY, receivedAt: Date.UTC(2026, 0, 5, 12, 1), text: "" },
    ]);
    const out = renderToString(
      <ChatView
        name="alice"
        input=""
        network={{ peers: 1, state: "online" }}
        rows={24}
        columns={100}
        model={m}
        panel={{ title: "message requests (/accept N, /refuse N)", lines }}
      />,
      { columns: 100 },
    );
    expect(out).toContain("message requests (/accept N, /refuse N)");
    expect(out).toMatch(/1\. ~bob\s+key b0b0b0b0b0b0b0b0…\s+\d\d:\d\d:\d\d\s+"hello, it's bob"/);
    expect(out).toMatch(/2\. \S+\s+key eeeeeeeeeeeeeeee…\s+\d\d:\d\d:\d\d\s+\(no message yet\)/);
    expect(requestLines(m, [])).toEqual(["no message requests"]);
  });
});
