/**
 * A message a linked device first holds from a sibling's history slice (stored as `synced`, never reported) and
 * then receives itself, as a member of the conversation, is reported once at that arrival. Before, the
 * permanent message index made the live copy a duplicate: the device had the message in its history but the
 * application never heard of it (seen in a world of two accounts of two devices, where the slice of a device
 * that joined late carried a message it also read itself).
 */
import { describe, expect, it } from "vitest";
import { EffectApplier, newPlan } from "../../src/client/effects.js";
import { HistoryLog } from "../../src/client/history.js";
import { decodeHistory, HISTORY_NS } from "../../src/client/records.js";
import { ContentCodecs, text } from "../../src/conversations/content/index.js";
import type { Effect } from "../../src/framework/lifecycle.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { Transaction } from "../../src/framework/store.js";

const CID = "ad00112233445566778899aabbccddeeff";
const codecs = new ContentCodecs();

function world() {
  const store = new MemoryStore();
  const log = new HistoryLog(0);
  const applier = new EffectApplier({
    now: () => 1_000,
    decodeContent: (b) => codecs.decode(b),
    addHistory: (tx, cid, r) => log.add(tx, cid, r),
    carry: async () => undefined,
    control: async () => {},
    fetchHistory: () => {},
    internal: () => false,
    accountSync: async () => {},
  });
  /** One step: the effects applied in a transaction, committed; the events it reports. */
  const step = async (effects: readonly Effect[], staged?: (tx: Transaction) => void) => {
    const tx = new Transaction(store);
    staged?.(tx);
    const plan = newPlan();
    await applier.apply(tx, effects, plan);
    await tx.commit();
    return plan.events;
  };
  const record = async (key: string) => decodeHistory((await store.get(HISTORY_NS, key))!);
  return { store, log, step, record };
}

const live = (messageId: string, body: string): Effect => ({
  kind: "message",
  conversationId: CID,
  messageId,
  sender: "aa".repeat(32),
  timestamp: 500,
  content: codecs.encode(text(body)),
});

describe("a message held from a history slice, then received itself", () => {
  it("is reported once when it arrives, and a later copy is a duplicate", async () => {
    const w = world();
    let key = "";
    // The slice: stored, marked synced, nothing reported (account-self.ts stores it this way).
    expect(
      await w.step([], (tx) => {
        key = w.log.add(tx, CID, {
          messageId: "m1",
          direction: "in",
          timestamp: 500,
          storedAt: 900,
          state: undefined,
          content: codecs.encode(text("from the slice")),
          sender: "aa".repeat(32),
          synced: true,
        });
      }),
    ).toEqual([]);
    expect((await w.record(key))?.synced).toBe(true);

    const first = await w.step([live("m1", "from the slice")]);
    expect(first).toMatchObject([{ type: "message", conversationId: CID, messageId: "m1" }]);
    // Stored once, under the slice's key, no longer marked: the application has been told.
    expect((await w.record(key))?.synced).toBeUndefined();
    expect(await w.store.scan(HISTORY_NS)).toHaveLength(1);

    expect(await w.step([live("m1", "from the slice")])).toEqual([]);
    expect(await w.store.scan(HISTORY_NS)).toHaveLength(1);
  });

  it("a message received live first is reported once and a copy after it is not", async () => {
    const w = world();
    expect(await w.step([live("m2", "live")])).toHaveLength(1);
    expect(await w.step([live("m2", "live")])).toEqual([]);
    expect(await w.store.scan(HISTORY_NS)).toHaveLength(1);
  });
});
