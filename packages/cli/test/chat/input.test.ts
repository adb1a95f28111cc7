import { describe, expect, it } from "vitest";
import { BUNDLE_PREFIX, bundleSplits, HELP, parseInput } from "../../src/chat/input.js";

const BUNDLE = `${BUNDLE_PREFIX}CiA1b2xkA-_z`;

describe("chat input", () => {
  it("parses every command", () => {
    const started = parseInput(`/new ${BUNDLE} hello there  Bob`);
    expect(started).toMatchObject({ kind: "new", force: false });
    expect(started.kind === "new" && started.candidates).toContainEqual({ bundle: BUNDLE, text: "hello there  Bob" });
    expect(parseInput(`/new -f ${BUNDLE} hi`)).toMatchObject({ kind: "new", force: true });
    expect(parseInput("/list")).toEqual({ kind: "list" });
    expect(parseInput("/switch 2")).toEqual({ kind: "switch", n: 2 });
    expect(parseInput("/me")).toEqual({ kind: "me" });
    expect(parseInput("/copy")).toEqual({ kind: "copy" });
    expect(parseInput("/name Bob B.")).toEqual({ kind: "name", label: "Bob B." });
    expect(parseInput("/nick Alice A.")).toEqual({ kind: "nick", name: "Alice A." });
    expect(parseInput("/send ~/Pictures/cat.png")).toEqual({ kind: "send-file", path: "~/Pictures/cat.png" });
    expect(parseInput('/send "/tmp/my file.pdf"')).toEqual({ kind: "send-file", path: "/tmp/my file.pdf" });
    expect(parseInput("/search lunch friday")).toEqual({ kind: "search", text: "lunch friday" });
    expect(parseInput("/archive")).toEqual({ kind: "archive" });
    expect(parseInput("/archive 3")).toEqual({ kind: "archive", n: 3 });
    expect(parseInput("/unarchive 3")).toEqual({ kind: "unarchive", n: 3 });
    expect(parseInput("/delete")).toEqual({ kind: "delete" });
    expect(parseInput("/leave")).toEqual({ kind: "leave" });
    expect(parseInput("/help")).toEqual({ kind: "help" });
    expect(parseInput("/clear")).toEqual({ kind: "clear" });
    expect(parseInput("/quit")).toEqual({ kind: "quit" });
    expect(parseInput("  hello  ")).toEqual({ kind: "send", text: "  hello" });
    expect(parseInput("//slash")).toEqual({ kind: "send", text: "/slash" });
    expect(parseInput("   ")).toEqual({ kind: "none" });
    expect(parseInput("/group friends 1 3")).toEqual({ kind: "group", name: "friends", numbers: [1, 3] });
    expect(parseInput("/add 2")).toEqual({ kind: "add", numbers: [2] });
    expect(parseInput("/remove 2 4")).toEqual({ kind: "remove", numbers: [2, 4] });
    expect(parseInput("/members")).toEqual({ kind: "members" });
  });

  it("keeps a multi-line message whole, blank lines included", () => {
    expect(parseInput("line one\n\nline three\n")).toEqual({ kind: "send", text: "line one\n\nline three" });
  });

  it("reads a bundle broken over lines or framed by a box, as copied from a screen", () => {
    const [a, b, c] = [BUNDLE.slice(0, 20), BUNDLE.slice(20, 25), BUNDLE.slice(25)];
    const framed = `│${a}│\n│${b}│\n│${c}  │ hi Bob,\nhow are you?`;
    const splits = bundleSplits(framed);
    // Every reading, longest bundle first; the caller keeps the first whose bundle parses.
    expect(splits.map((s) => s.bundle)).toEqual([`${BUNDLE}hi`, BUNDLE, `${a}${b}`, a]);
    expect(splits[1]).toEqual({ bundle: BUNDLE, text: "hi Bob,\nhow are you?" });
    const cmd = parseInput(`/new ${a}\n${b}\n${c} hello`);
    expect(cmd.kind === "new" && cmd.candidates.some((x) => x.bundle === BUNDLE && x.text === "hello")).toBe(true);
  });

  it("explains what is wrong instead of guessing", () => {
    for (const bad of [
      `/new ${BUNDLE}`,
      "/new notabundle hi",
      "/new",
      "/new -f",
      "/switch x",
      "/switch 0",
      "/name",
      "/nick",
      `/nick ${"x".repeat(65)}`,
      "/send",
      "/search",
      "/frobnicate",
      "/group friends",
      "/group friends x",
      "/add",
      "/remove 0",
      "/unarchive",
      "/archive x",
    ])
      expect(parseInput(bad).kind, bad).toBe("invalid");
    // A bundle pasted alone, even over several lines, is not sent as a message by mistake.
    expect(parseInput(BUNDLE).kind).toBe("invalid");
    expect(parseInput(`${BUNDLE.slice(0, 20)}\n${BUNDLE.slice(20)}`).kind).toBe("invalid");
  });

  it("the help lists every command the parser knows", () => {
    const listed = HELP.map(([term]) => term).join(" ");
    for (const cmd of [
      "new",
      "list",
      "switch",
      "me",
      "copy",
      "name",
      "nick",
      "send",
      "search",
      "group",
      "add",
      "remove",
      "members",
      "leave",
      "archive",
      "unarchive",
      "delete",
      "clear",
      "requests",
      "accept",
      "refuse",
      "help",
      "quit",
      "account",
      "address",
      "linkcode",
      "link",
      "confirm",
      "cancel",
      "devices",
      "revoke",
    ]) {
      expect(listed, cmd).toContain(`/${cmd}`);
      expect(parseInput(`/${cmd}`).message ?? "", cmd).not.toMatch(/unknown command/);
    }
  });
});
