/**
 * Two Clients with a conversation between them, bytes handed over by the benchmark itself (no network), on
 * a manual clock. Pure (no Node API): the `private-v1` section runs it in Node, the `browser` section bundles
 * it into Chromium, so both measure the same steps.
 */
import { Client, type Clock, type CryptoProvider, type Store } from "@parley/core";
import { MemoryStore } from "@parley/core/testing";
import { Capture } from "./capture.js";

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  setTimer(): { cancel(): void } {
    return { cancel() {} };
  }
}

export interface ParleyPair {
  alice: Client;
  bob: Client;
  aConv: string;
  bConv: string;
  aOut: Capture;
  bOut: Capture;
  clock: ManualClock;
}

export interface PairOptions {
  readonly crypto: (name: "alice" | "bob") => CryptoProvider;
  /** Default: a MemoryStore each. */
  readonly store?: (name: "alice" | "bob") => Store | Promise<Store>;
}

export async function parleyPair(options: PairOptions): Promise<ParleyPair> {
  const clock = new ManualClock();
  const make = async (name: "alice" | "bob", out: Capture) =>
    Client.create({
      store: options.store ? await options.store(name) : new MemoryStore(),
      delivery: out,
      crypto: options.crypto(name),
      clock,
      autoSweep: false,
      config: { resendAfterMs: 3_600_000 },
    });
  const aOut = new Capture();
  const bOut = new Capture();
  const alice = await make("alice", aOut);
  const bob = await make("bob", bOut);
  const { conversationId: aConv } = await alice
    .introBundle()
    .then(async () => alice.startConversation(await bob.introBundle(), "hi"));
  for (const m of aOut.take()) await bob.ingest(m.topic, m.payload);
  const bConv = (await bob.conversations())[0]!.id;
  return { alice, bob, aConv, bConv, aOut, bOut, clock };
}

/** One message alice → bob through both clients; every 32 messages bob acknowledges so state stays steady. */
export function oneWay(p: ParleyPair, body: string): () => Promise<void> {
  let n = 0;
  return async () => {
    await p.alice.send(p.aConv, body);
    for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
    if (++n % 32 === 0) {
      p.clock.t += 2_000;
      await p.bob.sweep();
      for (const m of p.bOut.take()) await p.alice.ingest(m.topic, m.payload);
    }
  };
}

export function pingPong(p: ParleyPair, body: string): () => Promise<void> {
  return async () => {
    await p.alice.send(p.aConv, body);
    for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
    await p.bob.send(p.bConv, body);
    for (const m of p.bOut.take()) await p.alice.ingest(m.topic, m.payload);
  };
}
