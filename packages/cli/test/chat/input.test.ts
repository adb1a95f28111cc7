import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/chat/input.js";

const BUNDLE = "logos_chatintro_1_CiA1b2xk";

describe("chat input", () => {
  it("parses every command", () => {
    expect(parseInput(`/new ${BUNDLE} hello there  Bob`)).toEqual({
      kind: "new",
      bundle: BUNDLE,
      text: "hello there  Bob",
    });
    expect(parseInput("/list")).toEqual({ kind: "list" });
    expect(parseInput("/switch 2")).toEqual({ kind: "switch", n: 2 });
    expect(parseInput("/me")).toEqual({ kind: "me" });
    expect(parseInput("/copy")).toEqual({ kind: "copy" });
    expect(parseInput("/name Bob B.")).toEqual({ kind: "name", label: "Bob B." });
    expect(parseInput("/help")).toEqual({ kind: "help" });
    expect(parseInput("/quit")).toEqual({ kind: "quit" });
    expect(parseInput("  hello  ")).toEqual({ kind: "send", text: "hello" });
    expect(parseInput("//slash")).toEqual({ kind: "send", text: "/slash" });
    expect(parseInput("   ")).toEqual({ kind: "none" });
    expect(parseInput("/group friends 1 3")).toEqual({ kind: "group", name: "friends", numbers: [1, 3] });
    expect(parseInput("/add 2")).toEqual({ kind: "add", numbers: [2] });
    expect(parseInput("/remove 2 4")).toEqual({ kind: "remove", numbers: [2, 4] });
    expect(parseInput("/members")).toEqual({ kind: "members" });
    expect(parseInput("/leave")).toEqual({ kind: "leave" });
  });

  it("explains what is wrong instead of guessing", () => {
    expect(parseInput(`/new ${BUNDLE}`).kind).toBe("invalid");
    expect(parseInput("/new notabundle hi").kind).toBe("invalid");
    expect(parseInput("/new").kind).toBe("invalid");
    expect(parseInput("/switch x").kind).toBe("invalid");
    expect(parseInput("/switch 0").kind).toBe("invalid");
    expect(parseInput("/name").kind).toBe("invalid");
    expect(parseInput("/frobnicate").kind).toBe("invalid");
    expect(parseInput("/group friends").kind).toBe("invalid");
    expect(parseInput("/group friends x").kind).toBe("invalid");
    expect(parseInput("/add").kind).toBe("invalid");
    expect(parseInput("/remove 0").kind).toBe("invalid");
    // A bundle pasted alone is not sent as a message by mistake.
    expect(parseInput(BUNDLE).kind).toBe("invalid");
  });
});
