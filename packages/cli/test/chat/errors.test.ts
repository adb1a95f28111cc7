import { describe, expect, it } from "vitest";
import { plainError } from "../../src/chat/errors.js";

describe("errors in plain words", () => {
  it("says network trouble once, under one key, without raw system codes", () => {
    for (const raw of [
      "catch-up failed: connect ECONNREFUSED 127.0.0.1:60000",
      "connect ECONNREFUSED 127.0.0.1:60000",
      "read ECONNRESET",
    ]) {
      const p = plainError(raw);
      expect(p.key, raw).toBe("network");
      expect(p.text).not.toMatch(/ECONN/);
    }
    expect(plainError("connect ECONNREFUSED 127.0.0.1:60000").text).toContain("127.0.0.1:60000");
    const pub = plainError("publish-failed: publish failed: no-peers");
    expect(pub.key).toBe("publish");
    expect(pub.text).not.toContain("no-peers");
    expect(plainError("bundle-bad-signature: bad").text).toMatch(/forged or damaged/);
    expect(plainError("bundle-bad-base64: x").text).toMatch(/not a complete intro bundle/);
    expect(plainError("own-bundle: x").text).toMatch(/your own bundle/);
    // /add after /leave (or after being removed), and /add of someone already in the group.
    expect(plainError("not-a-member: not an active member of this group").text).toMatch(/a member can add you again/);
    expect(plainError("already-a-member: already a member").text).toBe("already in the group");
    expect(plainError("something else").text).toBe("something else");
  });
});
