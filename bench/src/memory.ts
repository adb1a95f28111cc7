/**
 * Memory per PrivateV1 conversation: one Client ("hub") that holds N conversations (default 10,000), all
 * started by a second Client ("alice") from the hub's intro bundle, each with its first message read by the
 * hub. Reported per conversation: the JS heap and ArrayBuffer growth of the process (both clients hold N
 * conversations, so the delta is divided by 2N), and the bytes the hub's MemoryStore holds for them.
 *
 * The heap numbers are only meaningful after a full GC: the section uses `global.gc` when node runs with
 * --expose-gc and otherwise turns the flag on at run time (v8.setFlagsFromString) to get the same function;
 * if neither works the rows say so and include garbage. PARLEY_BENCH_CONVERSATIONS overrides N (e.g. 1000).
 *
 * The peer baseline is libsignal's serialized SessionRecord after one pre-key message exchange, the state a
 * libsignal client persists per conversation (its in-memory cost is native and not visible to the JS heap).
 *
 * Busy conversations: a fresh record flatters both sides. The busy rows run the same traffic through a Client
 * pair and a libsignal pair (BUSY one-way 256 B messages, the receiver answering every 32: an ack for Parley, a
 * reply for libsignal, each a DH ratchet step) and compare the conversation state each side then persists.
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Client, type Clock } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore, seededRandom } from "@parley/core/testing";
import { CiphertextMessageType, processPreKeyBundle } from "@signalapp/libsignal-client";
import { Capture } from "./capture.js";
import { oneWay, parleyPair } from "./client-pair.js";
import type { Row, Section } from "./harness.js";
import { signalBundle, signalEncryptTo, signalPair, signalParty, signalReceive } from "./libsignal.js";

/** Records publishes; the section hands the bytes to the receiver itself. */
const clock: Clock = {
  now: () => 1_700_000_000_000,
  setTimer: () => ({ cancel() {} }),
};

/** A full GC: `global.gc` under --expose-gc, else the same function obtained by setting the flag at run time. */
function gcFunction(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

function gc(): boolean {
  const g = gcFunction();
  if (!g) return false;
  for (let i = 0; i < 3; i++) g();
  return true;
}

function usage(): { heap: number; buffers: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function storeBytes(store: MemoryStore): number {
  let n = 0;
  for (const space of store.snapshot().values()) for (const [key, value] of space) n += key.length + value.length;
  return n;
}

export const memorySection: Section = async () => {
  const n = Number(process.env.PARLEY_BENCH_CONVERSATIONS ?? 10_000);
  const collected = gc();
  const hubStore = new MemoryStore();
  const aliceStore = new MemoryStore();
  const hubOut = new Capture();
  const aliceOut = new Capture();
  const make = (name: string, store: MemoryStore, delivery: Capture) =>
    Client.create({
      store,
      delivery,
      crypto: new NodeCryptoProvider({ random: seededRandom(`bench/memory/${name}`) }),
      clock,
      autoSweep: false,
      // The section measures what each conversation costs: the invite rate bound (issue 19) would stop it at 100.
      config: { invites: { perWindow: Number.POSITIVE_INFINITY } },
    });
  const hub = await make("hub", hubStore, hubOut);
  const alice = await make("alice", aliceStore, aliceOut);
  const bundle = await hub.introBundle();
  const hubBase = storeBytes(hubStore);
  gc();
  const before = usage();
  const start = performance.now();
  let read = 0;
  hub.onEvent((e) => {
    if (e.type === "message") read++;
  });
  for (let i = 0; i < n; i++) {
    await alice.startConversation(bundle, `hello ${i}`);
    for (const m of aliceOut.take()) await hub.ingest(m.topic, m.payload);
    hubOut.take();
  }
  const seconds = (performance.now() - start) / 1000;
  gc();
  const after = usage();
  if (read !== n) throw new Error(`memory section: the hub read ${read} of ${n} first messages`);
  const conversations = (await hub.conversations()).length;
  const hubPer = (storeBytes(hubStore) - hubBase) / n;
  const heapPer = (after.heap - before.heap) / (2 * n);
  const buffersPer = (after.buffers - before.buffers) / (2 * n);
  const signal = await signalSessionBytes();
  const tag = collected ? "" : " (no GC available: includes garbage)";
  const rows: Row[] = [
    { name: `conversations held by the hub client`, value: conversations, unit: "conv" },
    { name: `setup rate while filling (start + first message read)`, value: n / seconds, unit: "conv/s" },
    { name: `JS heap per conversation per client${tag}`, value: heapPer, unit: "bytes" },
    { name: `ArrayBuffers per conversation per client${tag}`, value: buffersPer, unit: "bytes" },
    { name: "libsignal SessionRecord (serialized, after one message)", value: signal, unit: "bytes" },
    {
      name: "MemoryStore bytes per conversation (hub: state, info, history)",
      value: hubPer,
      unit: "bytes",
      ratio: hubPer / signal,
      baseline: "libsignal SessionRecord",
    },
    ...(await busyRows()),
  ];
  await hub.close();
  await alice.close();
  return {
    section: "memory",
    rows,
    notes: [
      `${n} PrivateV1 conversations, each started by one client and read by the other (both hold ${n}); heap and ArrayBuffer deltas are divided by ${2 * n}`,
      "heap numbers are measured after full GCs (global.gc, enabled at run time when node lacks --expose-gc); PARLEY_BENCH_CONVERSATIONS sets the count",
    ],
  };
};

const BUSY = 1_000;

/** Conversation state after BUSY messages, Parley (PrivateV1 state) next to libsignal (SessionRecord). */
async function busyRows(): Promise<Row[]> {
  const stores = { alice: new MemoryStore(), bob: new MemoryStore() };
  const p = await parleyPair({ crypto: () => new NodeCryptoProvider(), store: (name) => stores[name] });
  const step = oneWay(p, "z".repeat(256));
  for (let i = 0; i < BUSY; i++) await step();
  const stateBytes = async (s: MemoryStore) =>
    (await s.scan("framework.conversation-state")).reduce((n, e) => n + e.value.length, 0);
  const parley = { sender: await stateBytes(stores.alice), receiver: await stateBytes(stores.bob) };
  await p.alice.close();
  await p.bob.close();

  const { alice, bob } = await signalPair();
  const body = new Uint8Array(256);
  for (let i = 1; i <= BUSY; i++) {
    await signalReceive(bob, alice, await signalEncryptTo(alice, bob, body));
    if (i % 32 === 0) await signalReceive(alice, bob, await signalEncryptTo(bob, alice, new Uint8Array(8)));
  }
  const record = (from: typeof alice, to: typeof alice) => from.sessions.map.get(to.address.toString())!.length;
  const signal = { sender: record(alice, bob), receiver: record(bob, alice) };
  return (["sender", "receiver"] as const).map((side) => ({
    name: `busy conversation state after ${BUSY} messages, ${side}`,
    value: parley[side],
    unit: "bytes",
    ratio: parley[side] / signal[side],
    baseline: `libsignal SessionRecord ${signal[side]} B`,
  }));
}

/** Bytes of the receiver's SessionRecord after one PQXDH pre-key message. */
async function signalSessionBytes(): Promise<number> {
  const alice = signalParty("alice", 1);
  const bob = signalParty("bob", 2);
  await processPreKeyBundle(await signalBundle(bob), bob.address, alice.address, alice.sessions, alice.identity);
  const c = await signalEncryptTo(alice, bob, new Uint8Array(256));
  if (c.type() !== CiphertextMessageType.PreKey) throw new Error("expected a pre-key message");
  await signalReceive(bob, alice, c);
  return bob.sessions.map.get(alice.address.toString())!.length;
}
