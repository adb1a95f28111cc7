// The page's state rules, without a browser: ticks only move forward, each message shows once, unread counts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMessage,
  advance,
  type ChatState,
  EMPTY,
  type Message,
  mergeLoaded,
  nameOf,
  select,
  setDelivery,
  upsertConversation,
} from "../src/state.js";

const STATES = ["queued", "sent", "possibly-acked", "acked", "lost"] as const;
const RANK = { queued: 0, sent: 1, "possibly-acked": 2, acked: 3, lost: 3 } as const;

function withTwo(): ChatState {
  let s = upsertConversation(EMPTY, { id: "c1", kind: "private", peer: "aa".repeat(32), label: "Bob" });
  s = upsertConversation(s, { id: "g1", kind: "group", peer: "", label: "Team" });
  return select(s, "c1");
}

const msg = (id: string, t: number, direction: "in" | "out" = "in"): Message => ({
  id,
  direction,
  text: id,
  timestamp: t,
});

describe("web page state", () => {
  it("a tick never moves backwards, whatever order the delivery states arrive in; lost yields only to acked", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATES), { minLength: 1, maxLength: 12 }), (seq) => {
        let cur = seq[0]!;
        for (const next of seq.slice(1)) {
          const after = advance(cur, next);
          if (cur === "acked") expect(after).toBe("acked");
          else if (cur === "lost") expect(after).toBe(next === "acked" ? "acked" : "lost");
          else expect(RANK[after]).toBeGreaterThanOrEqual(RANK[cur]);
          cur = after;
        }
      }),
    );
  });

  it("a message shows once however often it is added, in timestamp order", () => {
    let s = withTwo();
    for (const [id, t] of [
      ["m3", 30],
      ["m1", 10],
      ["m2", 20],
      ["m1", 10],
      ["m3", 30],
    ] as const)
      s = addMessage(s, "c1", msg(id, t));
    expect(s.conversations[0]!.messages.map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
  });

  it("inbound messages outside the open conversation count as unread; opening it clears them", () => {
    let s = withTwo();
    s = addMessage(s, "g1", msg("g-a", 1));
    s = addMessage(s, "g1", msg("g-b", 2));
    s = addMessage(s, "g1", msg("g-mine", 3, "out"));
    s = addMessage(s, "c1", msg("c-a", 4));
    expect(s.conversations.map((c) => c.unread)).toEqual([0, 2]);
    s = select(s, "g1");
    expect(s.conversations.map((c) => c.unread)).toEqual([0, 0]);
  });

  it("a delivery state that arrives before its message is applied when the message shows", () => {
    let s = withTwo();
    s = setDelivery(s, "c1", "out-1", "acked");
    s = setDelivery(s, "c1", "out-1", "sent");
    s = addMessage(s, "c1", { ...msg("out-1", 5, "out"), state: "queued" });
    expect(s.conversations[0]!.messages[0]!.state).toBe("acked");
    expect(s.early.size).toBe(0);
  });

  it("what the store held at start merges with what events added meanwhile: each message once", () => {
    let s = withTwo();
    s = addMessage(s, "g1", msg("live", 50));
    const loaded = { id: "g1", kind: "group" as const, peer: "", label: "Team", unread: 3 };
    s = mergeLoaded(s, { ...loaded, messages: [msg("old", 10), msg("live", 50)] });
    expect(s.conversations[1]!.messages.map((m) => m.id)).toEqual(["old", "live"]);
    expect(s.conversations[1]!.unread).toBe(3);
    s = mergeLoaded(s, { ...loaded, id: "new", messages: [msg("x", 1)] });
    expect(s.conversations.map((c) => c.id)).toEqual(["c1", "g1", "new"]);
  });

  it("a peer is named by my label of our 1:1 conversation, else by a short key", () => {
    const s = withTwo();
    expect(nameOf(s, "aa".repeat(32))).toBe("Bob");
    expect(nameOf(s, "0123456789abcdef")).toBe("01234567");
  });
});
