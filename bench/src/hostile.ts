/**
 * Section `hostile`: what a peer's input costs the receiver (issue #19), in bytes written and time.
 *   - one large message (6, 12, 24 MB) through two Clients: the receiver's bytes written and ms, which grow
 *     linearly now that each segment is its own record (before: 189 MB written for 6 MB, 739 MB for 12 MB);
 *   - the SDS missing-dependency bomb (100 messages citing 1,000 unknown ids each): the receiver's state
 *     bytes while it waits and per later message after the bound, against a channel never attacked.
 * The hostile PrivateV1 payloads themselves are built in `packages/core/test/support/hostile-peer.ts`; the
 * tests there check the bounds, this reports the numbers.
 */
import { utf8 } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { encodeSdsMessage, Sds, type SdsState, serializeSdsState } from "@parley/core/primitives";
import { MemoryStore } from "@parley/core/testing";
import { parleyPair } from "./client-pair.js";
import { CountingStore } from "./counting-store.js";
import type { Row, SectionResult } from "./harness.js";

async function largeMessage(mb: number): Promise<Row[]> {
  let counted: CountingStore | undefined;
  const p = await parleyPair({
    crypto: () => new NodeCryptoProvider(),
    store: (name) => {
      if (name === "alice") return new MemoryStore();
      counted = new CountingStore(new MemoryStore());
      return counted;
    },
  });
  const before = counted!.valueBytes;
  const t = performance.now();
  await p.alice.send(p.aConv, "x".repeat(mb * 1_000_000));
  for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
  const ms = performance.now() - t;
  await p.alice.close();
  await p.bob.close();
  return [
    { name: `${mb} MB message: receiver bytes written`, value: counted!.valueBytes - before, unit: "bytes" },
    { name: `${mb} MB message: send + receive`, value: ms, unit: "ms" },
  ];
}

const hex = (n: number) => n.toString(16).padStart(32, "0");

function dependencyBomb(): Row[] {
  const sds = new Sds({ incomingLostAfterMs: 600_000 });
  const t0 = 1_700_000_000_000;
  const warm = () => {
    let peer = sds.init("c", "peer", t0);
    let me = sds.init("c", "me", t0);
    for (let i = 0; i < 1000; i++) {
      const s = sds.send(peer, utf8(`m${i}`), hex(i), t0 + i);
      peer = s.state;
      const r = sds.receive(me, s.outgoing[0]!.bytes, t0 + i);
      if (r.ok) me = r.state;
    }
    return { peer, me };
  };
  const attacked = warm();
  const control = warm();
  let refused = 0;
  for (let m = 0; m < 100; m++) {
    const bytes = encodeSdsMessage({
      senderId: "peer",
      messageId: hex(0xb000_0000 + m),
      channelId: "c",
      lamport: BigInt(t0 + 5_000 + m),
      causalHistory: Array.from({ length: 1000 }, (_, k) => ({ messageId: hex(0xf000_0000 + m * 10_000 + k) })),
      content: utf8("bomb"),
    });
    const r = sds.receive(attacked.me, bytes, t0 + 5_000);
    if (r.ok) attacked.me = r.state;
    else refused++;
  }
  const waiting = serializeSdsState(attacked.me).length;
  const later = (side: { peer: SdsState; me: SdsState }) => {
    let me = sds.sweep(side.me, t0 + 700_000).state;
    let peer = side.peer;
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      const s = sds.send(peer, utf8(`later ${i}`), hex(0xa000_0000 + i), t0 + 701_000 + i);
      peer = s.state;
      const r = sds.receive(me, s.outgoing[0]!.bytes, t0 + 701_000 + i);
      if (r.ok) me = r.state;
      bytes += serializeSdsState(me).length;
    }
    return bytes / 20;
  };
  const after = later(attacked);
  const clean = later(control);
  return [
    { name: "dependency bomb: messages refused (of 100)", value: refused, unit: "messages" },
    { name: "dependency bomb: receiver state while waiting", value: waiting, unit: "bytes" },
    {
      name: "dependency bomb: state per later message after the bound",
      value: after,
      unit: "bytes",
      ratio: after / clean,
      baseline: "never attacked",
    },
    { name: "never attacked: state per later message", value: clean, unit: "bytes" },
  ];
}

export async function hostileSection(): Promise<SectionResult> {
  const rows: Row[] = [];
  for (const mb of [6, 12, 24]) rows.push(...(await largeMessage(mb)));
  rows.push(...dependencyBomb());
  return {
    section: "hostile",
    rows,
    notes: [
      "Bytes written count the values committed to the receiver's Store; a large message writes its parts once (each a record) and then its history entry.",
      "Before issue #19's bounds: 189 MB written for 6 MB and 739 MB for 12 MB (the state re-encoded every part with every segment); the dependency bomb carried 3.2 MB of state into every later message.",
    ],
  };
}
