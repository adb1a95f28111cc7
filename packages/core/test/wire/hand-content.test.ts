/**
 * The hand-written content codecs (wire/hand/content.ts) against the protobuf runtime: the encoders write its
 * exact bytes (and throw where it throws), and the decoders give its results on canonical bytes, on hand-built
 * re-ordered / duplicated / unknown / padded encodings, and on random, truncated and mutated bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeContentFrame,
  decodeTextContent,
  encodeContentFrame,
  encodeTextContent,
} from "../../src/wire/hand/content.js";
import * as wire from "../../src/wire/index.js";
import { bytes, damaged, rawEncode, rawFields, runtime, text, u32 } from "./protobuf-arbitraries.js";

const RUNS = 400;

function runtimeFrame(domainId: number, tag: number, payload: Uint8Array): Uint8Array {
  return wire.toBinary(wire.ContentFrameSchema, wire.create(wire.ContentFrameSchema, { domainId, tag, payload }));
}

function outcome<T>(f: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
}

function checkFrame(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.ContentFrameSchema, input));
  const got = outcome(() => decodeContentFrame(input));
  if (!expected) {
    expect(got.ok).toBe(false);
    return;
  }
  expect(got.ok).toBe(true);
  if (!got.ok) return;
  expect({ domainId: got.value.domainId, tag: got.value.tag, payload: [...got.value.payload] }).toEqual({
    domainId: expected.domainId,
    tag: expected.tag,
    payload: [...expected.payload],
  });
}

function checkText(input: Uint8Array): void {
  const expected = runtime(() => wire.fromBinary(wire.TextContentSchema, input).text);
  const got = outcome(() => decodeTextContent(input));
  expect(got).toEqual(expected === undefined ? { ok: false } : { ok: true, value: expected });
}

describe("ContentFrame, hand-written", () => {
  it("encodes the runtime's bytes", () => {
    fc.assert(
      fc.property(u32, u32, bytes, (domainId, tag, payload) => {
        expect([...encodeContentFrame(domainId, tag, payload)]).toEqual([...runtimeFrame(domainId, tag, payload)]);
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes as the runtime does: canonical, hand-built and damaged bytes", () => {
    const canonical = fc.tuple(u32, u32, bytes).map(([d, t, p]) => runtimeFrame(d, t, p));
    fc.assert(fc.property(canonical, checkFrame), { numRuns: RUNS });
    fc.assert(
      fc.property(rawFields([1, 2, 3]), (fields) => checkFrame(rawEncode(fields))),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(damaged(canonical), checkFrame), { numRuns: RUNS });
  });
});

describe("TextContent, hand-written", () => {
  it("encodes the runtime's bytes, and throws where it throws (lone surrogates)", () => {
    fc.assert(
      fc.property(text, (t) => {
        const expected = outcome(() =>
          wire.toBinary(wire.TextContentSchema, wire.create(wire.TextContentSchema, { text: t })),
        );
        const got = outcome(() => encodeTextContent(t));
        expect(got.ok).toBe(expected.ok);
        if (got.ok && expected.ok) expect([...got.value]).toEqual([...expected.value]);
      }),
      { numRuns: RUNS },
    );
    expect([...encodeTextContent("x".repeat(256))]).toEqual([
      ...wire.toBinary(wire.TextContentSchema, wire.create(wire.TextContentSchema, { text: "x".repeat(256) })),
    ]);
  });

  it("decodes as the runtime does, invalid UTF-8 and a byte-order mark included", () => {
    const canonical = text.map((t) =>
      wire.toBinary(wire.TextContentSchema, wire.create(wire.TextContentSchema, { text: t })),
    );
    fc.assert(fc.property(canonical, checkText), { numRuns: RUNS });
    fc.assert(
      fc.property(rawFields([1]), (fields) => checkText(rawEncode(fields))),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(damaged(canonical), checkText), { numRuns: RUNS });
    checkText(Uint8Array.from([0x0a, 2, 0xc3, 0x28])); // invalid UTF-8
    checkText(Uint8Array.from([0x0a, 4, 0xef, 0xbb, 0xbf, 0x41])); // BOM then "A"
    checkText(Uint8Array.from([0x0a, 0])); // an explicit empty string
  });
});
