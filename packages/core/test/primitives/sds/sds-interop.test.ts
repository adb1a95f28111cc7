/**
 * Wire interop with js-waku's SDS (`@waku/sds@0.0.8`): its messages are understood by ours and ours by it,
 * with causal-history acknowledgements and Bloom filters read correctly in both directions. Both sides use
 * js-waku's Bloom parameters (10,000 / 0.001), which it hard-codes.
 */
import { utf8 } from "@parley/core";
import {
  decodeSdsMessage,
  JS_WAKU_BLOOM,
  Sds,
  type SdsEvent,
  type SdsOptions,
  type SdsState,
} from "@parley/core/primitives";
import { Message, MessageChannel, MessageChannelEvent } from "@waku/sds";
import { describe, expect, it } from "vitest";

const CHANNEL = "interop-channel";

/** A js-waku channel with its events recorded. */
function jsPeer(options: ConstructorParameters<typeof MessageChannel>[2] = {}) {
  const channel = new MessageChannel(CHANNEL, "js-peer", { enableRepair: false, ...options });
  const events: { type: string; detail: unknown }[] = [];
  for (const type of Object.values(MessageChannelEvent)) {
    channel.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
  }
  return {
    channel,
    events,
    of(type: string): unknown[] {
      return events.filter((e) => e.type === type).map((e) => e.detail);
    },
    async send(text: string): Promise<{ id: string; bytes: Uint8Array }> {
      let out: { id: string; bytes: Uint8Array } | undefined;
      channel.pushOutgoingMessage(utf8(text), async (m) => {
        out = { id: m.messageId, bytes: m.encode() };
        return { success: true };
      });
      await channel.processTasks();
      return out!;
    },
    async sync(): Promise<Uint8Array> {
      let out: Uint8Array | undefined;
      await channel.pushOutgoingSyncMessage(async (m) => {
        out = m.encode();
        return true;
      });
      return out!;
    },
    async receive(bytes: Uint8Array): Promise<void> {
      const m = Message.decode(bytes);
      expect(m).toBeDefined();
      channel.pushIncomingMessage(m!, undefined);
      await channel.processTasks();
    },
  };
}

/** Our side, driven with the wall clock so both Lamport clocks are comparable. */
function ourPeer(options: SdsOptions = {}) {
  const sds = new Sds({ bloom: JS_WAKU_BLOOM, bloomIn: "all", ackDelayMs: 0, ...options });
  let state: SdsState = sds.init(CHANNEL, "parley-peer", Date.now());
  const events: SdsEvent[] = [];
  let counter = 0;
  return {
    sds,
    events,
    get state() {
      return state;
    },
    send(text: string): { id: string; bytes: Uint8Array } {
      const id = `parley-${++counter}-${text}`;
      const step = sds.send(state, utf8(text), id, Date.now());
      state = step.state;
      return { id, bytes: step.outgoing[0]!.bytes };
    },
    receive(bytes: Uint8Array): string {
      const r = sds.receive(state, bytes, Date.now());
      if (!r.ok) throw r.error;
      state = r.state;
      events.push(...r.events);
      return r.status;
    },
    delivered(): string[] {
      return events.flatMap((e) => (e.type === "delivered" ? [new TextDecoder().decode(e.content)] : []));
    },
    ids(type: "acked" | "possibly-acked"): string[] {
      return events.flatMap((e) => (e.type === type ? [e.messageId] : []));
    },
  };
}

describe("SDS interop with @waku/sds 0.0.8", () => {
  it("ours understands js-waku's messages: causal order restored from its causal history", async () => {
    const js = jsPeer();
    const ours = ourPeer();
    const m1 = await js.send("one");
    const m2 = await js.send("two");
    const m3 = await js.send("three");
    const decoded = decodeSdsMessage(m3.bytes)!;
    expect(decoded.bloomFilter!.length).toBe(18_752);
    expect(decoded.causalHistory.map((h) => h.messageId)).toEqual([m1.id, m2.id]);
    expect(ours.receive(m3.bytes)).toBe("buffered");
    expect(ours.events.some((e) => e.type === "missing")).toBe(true);
    expect(ours.receive(m1.bytes)).toBe("delivered");
    expect(ours.receive(m2.bytes)).toBe("delivered");
    expect(ours.delivered()).toEqual(["one", "two", "three"]);
    // A js-waku sync message is read as a sync message.
    expect(ours.receive(await js.sync())).toBe("sync");
  });

  it("js-waku understands ours: it detects what is missing and delivers in order", async () => {
    const js = jsPeer();
    const ours = ourPeer();
    const o1 = ours.send("alpha");
    const o2 = ours.send("beta");
    await js.receive(o2.bytes);
    expect(js.of(MessageChannelEvent.InMessageDelivered)).toEqual([]);
    const missing = js.of(MessageChannelEvent.InMessageMissing).flat() as { messageId: string }[];
    expect(missing.map((m) => m.messageId)).toContain(o1.id);
    await js.receive(o1.bytes);
    js.channel.sweepIncomingBuffer(); // js-waku re-checks its buffer only when swept
    expect(js.of(MessageChannelEvent.InMessageDelivered)).toEqual([o1.id, o2.id]);
  });

  it("causal-history acknowledgements work both ways", async () => {
    const js = jsPeer();
    const ours = ourPeer();
    const o1 = ours.send("hello js");
    await js.receive(o1.bytes);
    const j1 = await js.send("hello parley");
    ours.receive(j1.bytes);
    expect(ours.ids("acked")).toEqual([o1.id]); // js cited our message
    expect(ours.state.outgoing.length).toBe(0);
    const o2 = ours.send("got it");
    await js.receive(o2.bytes);
    expect(js.of(MessageChannelEvent.OutMessageAcknowledged)).toContain(j1.id); // we cited js's message
    // A sync message from js acknowledges too (js has not sent anything since receiving these two).
    await js.receive(ours.send("and another").bytes);
    expect(ours.state.outgoing.map((m) => m.messageId)).toEqual([o2.id, expect.stringContaining("and another")]);
    ours.receive(await js.sync());
    expect(ours.state.outgoing.length).toBe(0);
  });

  it("Bloom filters are read correctly in both directions", async () => {
    // js reads our filter: we cite only our last entry, so js's earlier messages are acked via the filter.
    const js = jsPeer();
    const ours = ourPeer({ causalHistorySize: 1, transitiveAcks: false });
    const jsSent = [await js.send("j1"), await js.send("j2"), await js.send("j3")];
    for (const m of jsSent) ours.receive(m.bytes);
    await js.receive(ours.send("ack by filter").bytes);
    expect(js.of(MessageChannelEvent.OutMessageAcknowledged)).toEqual([jsSent[2]!.id]);
    const possibly = js.of(MessageChannelEvent.OutMessagePossiblyAcknowledged) as { messageId: string }[];
    expect(possibly.map((p) => p.messageId).sort()).toEqual([jsSent[0]!.id, jsSent[1]!.id].sort());

    // We read js's filter: js cites one entry, the rest of ours is found in its filter.
    const js2 = jsPeer({ causalHistorySize: 1 });
    const ours2 = ourPeer({ causalHistorySize: 1, transitiveAcks: false });
    const oursSent = [ours2.send("o1"), ours2.send("o2"), ours2.send("o3")];
    for (const m of oursSent) await js2.receive(m.bytes);
    ours2.receive((await js2.send("reply")).bytes);
    expect(ours2.ids("acked")).toEqual([oursSent[2]!.id]);
    expect(ours2.ids("possibly-acked").sort()).toEqual([oursSent[0]!.id, oursSent[1]!.id].sort());
    // A second filter (js's sync) reaches the threshold of 2: acknowledged.
    ours2.receive(await js2.sync());
    expect(ours2.ids("acked").sort()).toEqual(oursSent.map((m) => m.id).sort());
  });
});
