import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("parley demo", () => {
  it(
    "plays the whole scenario over a real node and exits 0 with a readable transcript, leaving no data behind",
    async () => {
      // The demo's temporary directory goes under one of this test's own (TMPDIR), so what is left behind is
      // the demo's alone, whatever else runs on the machine.
      const tmp = mkdtempSync(join(tmpdir(), "parley-demo-test-"));
      const r = await runCli(["demo"], undefined, { TMPDIR: tmp });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const out = r.stdout;
      // The steps, in order.
      const steps = [
        "1. Start a Waku service node",
        "2. Alice and Bob create their identities",
        "3. Bob shares his intro bundle",
        "4. A 1:1 chat, both ways, with delivery states",
        "5. Bob goes offline",
        "6. Bob comes back and catches up from the node's history",
        "7. A group: Alice, Bob and Carol (GroupV1, MLS)",
      ];
      let at = -1;
      for (const s of steps) {
        const i = out.indexOf(s);
        expect(i, s).toBeGreaterThan(at);
        at = i;
      }
      expect(out).toMatch(/node\s+listening on \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
      expect(out).toMatch(/│ logos_chatintro_1_[A-Za-z0-9_-]+/);
      expect(out).toMatch(/bob\s+receives "Hi Bob, it's Alice!"/);
      expect(out).toMatch(/alice\s+receives "Hey Alice! Loud and clear."/);
      // Delivery states as they change.
      expect(out).toMatch(/alice "Hi Bob, it's Alice!"\s+… queued/);
      expect(out).toMatch(/alice "Hi Bob, it's Alice!"\s+✓ sent/);
      expect(out).toMatch(/alice "Hi Bob, it's Alice!"\s+✓✓ acked/);
      // Offline catch-up from the node's Store.
      expect(out).toMatch(/bob\s+receives "Are you there\?"\s+\(from the node's history\)/);
      expect(out).toMatch(/bob\s+fetched \d+ message\(s\) on his topics from the node's Store, 2 new for him/);
      expect(out).toMatch(/alice "Are you there\?"\s+✓✓ acked/);
      // The group: both join by Welcome, everyone reads everyone, Carol is removed and reads nothing after.
      expect(out).toMatch(/bob\s+joins the group "parley-demo"/);
      expect(out).toMatch(/carol\s+joins the group "parley-demo"/);
      // The roster as Alice sees it: after the joins (members may still be pending until heard from), after the removal.
      expect(out).toMatch(
        /alice\s+sees the members of "parley-demo": alice, bob( \(pending\))?, carol( \(pending\))?\n/,
      );
      expect(out).toMatch(/alice\s+sees the members of "parley-demo": alice, bob( \(pending\))?\n/);
      expect(out).toMatch(/carol\s+receives in "parley-demo" from bob "Thanks Alice! Hi Carol\."/);
      expect(out).toMatch(/alice\s+receives in "parley-demo" from carol "Hello Alice and Bob!"/);
      expect(out).toMatch(/carol\s+is removed from "parley-demo"/);
      expect(out).toMatch(/bob\s+receives in "parley-demo" from alice "Carol has left the room/);
      expect(out).not.toMatch(/carol\s+receives in "parley-demo" from alice "Carol has left the room/);
      expect(out).toMatch(
        /✔ done in [\d.]+ s: 7 1:1 messages, each delivered exactly once and in order, 2 of them from the node's history, every one of Alice's acked; 7 group deliveries, each exactly once, none to Carol after her removal\./,
      );
      expect(out).not.toMatch(/error:/);
      const after = readdirSync(tmp);
      rmSync(tmp, { recursive: true, force: true });
      expect(after).toEqual([]);
    },
    TEST_CAP_MS,
  );
});
