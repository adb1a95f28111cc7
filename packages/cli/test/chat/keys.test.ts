import { describe, expect, it } from "vitest";
import { decodeKeys } from "../../src/chat/keys.js";

const key = (name: string, mods: Record<string, unknown> = {}) => ({ type: "key", name, ...mods });

describe("terminal keys", () => {
  it("reads the keys people use in terminal chats", () => {
    const cases: [string, unknown][] = [
      ["\r", key("enter")],
      ["\n", key("newline")],
      ["\u001b\r", key("newline")],
      ["\u007f", key("backspace")],
      ["\b", key("backspace")],
      ["\u001b\u007f", key("backspace", { alt: true })],
      ["\u001b[3~", key("delete")],
      ["\u001b[D", key("left")],
      ["\u001b[C", key("right")],
      ["\u001bOA", key("up")],
      ["\u001b[1;5D", key("left", { ctrl: true })],
      ["\u001b[1;3C", key("right", { alt: true })],
      ["\u001b[1;2A", key("up", { shift: true })],
      ["\u001b[1;2B", key("down", { shift: true })],
      ["\u001b\u001b[A", key("up", { alt: true })],
      ["\u001b[H", key("home")],
      ["\u001b[F", key("end")],
      ["\u001b[1~", key("home")],
      ["\u001b[4~", key("end")],
      ["\u001b[5~", key("pageup")],
      ["\u001b[6~", key("pagedown")],
      ["\t", key("tab")],
      ["\u001b[Z", key("tab", { shift: true })],
      ["\u001b", key("escape")],
      ["\u0001", key("char", { char: "a", ctrl: true })],
      ["\u0005", key("char", { char: "e", ctrl: true })],
      ["\u0015", key("char", { char: "u", ctrl: true })],
      ["\u0017", key("char", { char: "w", ctrl: true })],
      ["\u000b", key("char", { char: "k", ctrl: true })],
      ["\u0002", key("char", { char: "b", ctrl: true })],
      ["\u0003", key("char", { char: "c", ctrl: true })],
      ["\u001bb", key("char", { char: "b", alt: true })],
      ["\u001bf", key("char", { char: "f", alt: true })],
      ["\u001b[200~", { type: "paste-start" }],
      ["\u001b[201~", { type: "paste-end" }],
    ];
    for (const [raw, want] of cases) expect(decodeKeys(raw), JSON.stringify(raw)).toEqual([want]);
    // Unknown sequences are dropped, never typed as text.
    expect(decodeKeys("\u001b[99~")).toEqual([]);
    expect(decodeKeys("\u001b[1;5Q")).toEqual([]);
  });

  it("typed-ahead text ending in Enter submits; line breaks inside a run are pasted text", () => {
    expect(decodeKeys("hello")).toEqual([{ type: "text", text: "hello" }]);
    expect(decodeKeys("hello\r")).toEqual([{ type: "text", text: "hello" }, key("enter")]);
    expect(decodeKeys("line one\r\rline three\rfour")).toEqual([
      { type: "text", text: "line one\n\nline three\nfour" },
    ]);
    expect(decodeKeys("a\r\nb\r\n")).toEqual([{ type: "text", text: "a\nb" }, key("enter")]);
    // Ctrl-J typed ahead after text is still a new line, never Enter.
    expect(decodeKeys("second\n")).toEqual([{ type: "text", text: "second" }, key("newline")]);
    expect(decodeKeys("col1\tcol2")).toEqual([{ type: "text", text: "col1\tcol2" }]);
    // Control keys inside a run still act as keys, in order.
    expect(decodeKeys("ab\u007fc")).toEqual([
      { type: "text", text: "ab" },
      key("backspace"),
      { type: "text", text: "c" },
    ]);
    expect(decodeKeys("é漢字🙂")).toEqual([{ type: "text", text: "é漢字🙂" }]);
  });
});
