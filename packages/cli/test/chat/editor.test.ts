import { describe, expect, it } from "vitest";
import * as ed from "../../src/chat/editor.js";

function typed(text: string, cursor = text.length, history: string[] = []): ed.Editor {
  return { ...ed.emptyEditor(history), text, cursor };
}

const show = (e: ed.Editor) => `${e.text.slice(0, e.cursor)}|${e.text.slice(e.cursor)}`;

describe("input line editing", () => {
  it("moves and edits like readline", () => {
    let e = ed.insert(ed.emptyEditor(), "hello world");
    e = ed.left(ed.left(ed.left(ed.left(ed.left(e)))));
    e = ed.insert(e, "big ");
    expect(show(e)).toBe("hello big |world");
    expect(show(ed.home(e))).toBe("|hello big world");
    expect(show(ed.end(ed.home(e)))).toBe("hello big world|");
    expect(show(ed.wordLeft(e))).toBe("hello |big world");
    expect(show(ed.wordRight(e))).toBe("hello big world|");
    expect(show(ed.killWordBefore(e))).toBe("hello |world");
    expect(show(ed.killToLineStart(e))).toBe("|world");
    expect(show(ed.killToLineEnd(e))).toBe("hello big |");
    expect(show(ed.backspace(e))).toBe("hello big|world");
    expect(show(ed.deleteForward(e))).toBe("hello big |orld");
    expect(show(ed.backspace(ed.home(e)))).toBe("|hello big world");
    expect(show(ed.deleteForward(ed.end(e)))).toBe("hello big world|");
    expect(show(ed.right(ed.end(e)))).toBe("hello big world|");
  });

  it("steps over characters outside the BMP as one", () => {
    let e = ed.insert(ed.emptyEditor(), "a🙂b");
    e = ed.left(ed.left(e));
    expect(show(e)).toBe("a|🙂b");
    expect(show(ed.deleteForward(e))).toBe("a|b");
    expect(show(ed.backspace(ed.right(e)))).toBe("a|b");
  });

  it("works on several lines: Home/End, Ctrl-U/K and Up/Down stay on the cursor's line", () => {
    const e = typed("first line\nsecond\nthird line", "first line\nsec".length);
    expect(show(ed.home(e))).toBe("first line\n|second\nthird line");
    expect(show(ed.end(e))).toBe("first line\nsecond|\nthird line");
    expect(show(ed.up(e))).toBe("fir|st line\nsecond\nthird line");
    expect(show(ed.down(e))).toBe("first line\nsecond\nthi|rd line");
    expect(show(ed.killToLineStart(e))).toBe("first line\n|ond\nthird line");
    expect(show(ed.killToLineEnd(e))).toBe("first line\nsec|\nthird line");
    // At the start of a line, Ctrl-U joins it with the line before; at its end, Ctrl-K with the next.
    expect(show(ed.killToLineStart(ed.home(e)))).toBe("first line|second\nthird line");
    expect(show(ed.killToLineEnd(ed.end(e)))).toBe("first line\nsecond|third line");
  });

  it("keeps sent lines: Up and Down browse them and come back to the draft", () => {
    let e = ed.insert(ed.emptyEditor(), "one");
    let r = ed.submit(e);
    expect(r.line).toBe("one");
    e = ed.insert(r.editor, "two");
    r = ed.submit(e);
    e = ed.submit(ed.insert(r.editor, "   ")).editor; // blank: not kept
    e = ed.insert(e, "draft");
    e = ed.up(e);
    expect(e.text).toBe("two");
    e = ed.up(e);
    expect(e.text).toBe("one");
    expect(ed.up(e).text).toBe("one");
    e = ed.down(ed.down(e));
    expect(show(e)).toBe("draft|");
    expect(ed.down(e).text).toBe("draft");
    // The same line twice in a row is kept once; the history is bounded.
    let h = ed.emptyEditor();
    for (let i = 0; i < ed.HISTORY_SIZE + 20; i++) h = ed.submit(ed.insert(h, `l${i % (ed.HISTORY_SIZE + 5)}`)).editor;
    h = ed.submit(ed.insert(h, h.history.at(-1)!)).editor;
    expect(h.history.length).toBe(ed.HISTORY_SIZE);
    expect(new Set(h.history.slice(-2)).size).toBe(2);
  });

  it("a 100 KB paste goes in whole, and the cursor ends after it", () => {
    const big = "x".repeat(100 * 1024);
    let e = ed.insert(ed.emptyEditor(), "start ");
    e = ed.insert(e, big);
    expect(e.text.length).toBe(6 + big.length);
    expect(e.cursor).toBe(e.text.length);
    expect(ed.submit(e).line).toBe(`start ${big}`);
    // Too long to keep in the history, but sent all the same.
    expect(ed.submit(e).editor.history).toEqual([]);
  });

  it("binds the editing keys, and leaves scrolling, switching and Enter to the screen", () => {
    const e = typed("one two", 4);
    const k = (name: string, mods: Record<string, unknown> = {}) => ({ type: "key", name, ...mods }) as never;
    expect(show(ed.editKey(e, k("char", { char: "a", ctrl: true }))!)).toBe("|one two");
    expect(show(ed.editKey(e, k("char", { char: "e", ctrl: true }))!)).toBe("one two|");
    expect(show(ed.editKey(e, k("char", { char: "w", ctrl: true }))!)).toBe("|two");
    expect(show(ed.editKey(e, k("char", { char: "b", alt: true }))!)).toBe("|one two");
    expect(show(ed.editKey(e, k("left", { ctrl: true }))!)).toBe("|one two");
    expect(show(ed.editKey(e, k("backspace", { alt: true }))!)).toBe("|two");
    expect(show(ed.editKey(e, k("newline"))!)).toBe("one \n|two");
    for (const other of [
      k("up", { shift: true }),
      k("down", { ctrl: true }),
      k("pageup"),
      k("tab"),
      k("enter"),
      k("escape"),
      k("char", { char: "c", ctrl: true }),
    ])
      expect(ed.editKey(e, other)).toBeUndefined();
  });
});
