/**
 * Section `scaling`: curves, not points. How the cost of one step grows with what came before it:
 *   - 1:1 with the peer offline (nothing acknowledged): time and bytes written per send at message N;
 *   - 1:1 with acknowledgements (one-way, the receiver acks every 32): time and bytes per message at N;
 *   - idle conversations held: one sweep with K conversations, and the commits it makes; and the CPU share of
 *     a core a minute of sweeps takes with K conversations and some groups held (idle-held.ts);
 *   - GroupV1, 10 members: time and bytes written per send and per receive at message N (group-scaling.ts);
 *   - content size: MiB/s send + receive for 1 and 5 MiB;
 *   - store kind: bytes written per 256 B message on a MemoryStore and on a SqliteStore file;
 *   - the SqliteStore-file curve: disk bytes and time per message at message N, group commit on and off, and
 *     a burst of state commits (sqlite-file.ts).
 * "Bytes written" counts the values a step commits to its Store (a counting wrapper), so it compares across
 * store kinds and shows whether a step rewrites history or only what changed. Largest N: PARLEY_SCALING_MAX
 * (default 3,000; issue #17 asks for 10,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Store } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { SqliteStore } from "@parley/sqlite";
import { Capture } from "./capture.js";
import { ManualClock, type ParleyPair, parleyPair } from "./client-pair.js";
import { CountingStore } from "./counting-store.js";
import { groupCurve } from "./group-scaling.js";
import { median, type Row, type SectionResult } from "./harness.js";
import { idleHeld } from "./idle-held.js";
import { sqliteFileCurve } from "./sqlite-file.js";

const crypto = (_name: string) => new NodeCryptoProvider();
const MAX = Number(process.env.PARLEY_SCALING_MAX ?? 3_000);
const POINTS = [1, 100, 1_000, 3_000, 10_000].filter((n) => n <= MAX);
const WINDOW = 20;

async function pair(store?: (name: "alice" | "bob") => Store | Promise<Store>): Promise<{
  p: ParleyPair;
  counted: CountingStore;
}> {
  let counted: CountingStore | undefined;
  const p = await parleyPair({
    crypto,
    store: async (name) => {
      const inner = store ? await store(name) : new MemoryStore();
      if (name !== "alice") return inner;
      counted = new CountingStore(inner);
      return counted;
    },
  });
  return { p, counted: counted! };
}

/** ms and bytes per step around message N, for each N in POINTS; `step` sends message i. */
async function curve(label: string, counted: CountingStore, step: (i: number) => Promise<void>): Promise<Row[]> {
  const rows: Row[] = [];
  let i = 0;
  for (const n of POINTS) {
    // Message 1: the median of the first WINDOW messages.
    while (i < n - WINDOW) await step(i++);
    const times: number[] = [];
    const before = counted.bytes;
    for (let k = 0; k < WINDOW; k++) {
      const t = performance.now();
      await step(i++);
      times.push(performance.now() - t);
    }
    rows.push({ name: `${label}: ms per message at ${n}`, value: median(times), unit: "ms" });
    rows.push({
      name: `${label}: bytes written per message at ${n}`,
      value: (counted.bytes - before) / WINDOW,
      unit: "B",
    });
  }
  return rows;
}

export async function peerOffline(): Promise<Row[]> {
  const { p, counted } = await pair();
  const rows = await curve("1:1, peer offline", counted, async (i) => {
    await p.alice.send(p.aConv, `message ${i} ${"x".repeat(200)}`);
    p.aOut.take(); // never delivered
  });
  await p.alice.close();
  await p.bob.close();
  return rows;
}

async function acknowledged(): Promise<Row[]> {
  const { p, counted } = await pair();
  const rows = await curve("1:1, acked every 32", counted, async (i) => {
    await p.alice.send(p.aConv, `message ${i} ${"x".repeat(200)}`);
    for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
    if (i % 32 === 31) {
      p.clock.t += 2_000;
      await p.bob.sweep();
      for (const m of p.bOut.take()) await p.alice.ingest(m.topic, m.payload);
    }
  });
  await p.alice.close();
  await p.bob.close();
  return rows;
}

/** Conversations held by the idle-sweep rows; PARLEY_SCALING_IDLE_MAX sets the largest (100,000 takes minutes). */
const IDLE_MAX = Number(process.env.PARLEY_SCALING_IDLE_MAX ?? Math.max(MAX, 10_000));

export async function idleSweep(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const k of [100, 1_000, 10_000, 100_000].filter((n) => n <= IDLE_MAX)) {
    const clock = new ManualClock();
    const hubOut = new Capture();
    const counted = new CountingStore(new MemoryStore());
    const hub = await Client.create({
      store: counted,
      delivery: hubOut,
      crypto: crypto("hub"),
      clock,
      autoSweep: false,
      // K conversations start at one instant: lift the invite rate bound (issue 19) for the measurement.
      config: { invites: { perWindow: Number.POSITIVE_INFINITY } },
    });
    const bundle = await hub.introBundle();
    for (let i = 0; i < k; i++) {
      const out = new Capture();
      const peer = await Client.create({
        store: new MemoryStore(),
        delivery: out,
        crypto: crypto("p"),
        clock,
        autoSweep: false,
      });
      await peer.startConversation(bundle, "hi");
      for (const m of out.take()) await hub.ingest(m.topic, m.payload);
      await peer.close();
    }
    // Acknowledge the invites, then let the conversations go idle.
    clock.t += 60_000;
    await hub.sweep();
    hubOut.take();
    clock.t += 60_000;
    const times: number[] = [];
    let commits = 0;
    for (let r = 0; r < 3; r++) {
      clock.t += 5_000;
      const before = counted.commits;
      const t = performance.now();
      await hub.sweep();
      times.push(performance.now() - t);
      commits += counted.commits - before;
    }
    rows.push({ name: `idle sweep, ${k} conversations: ms`, value: median(times), unit: "ms" });
    rows.push({ name: `idle sweep, ${k} conversations: commits per sweep`, value: commits / 3, unit: "commits" });
    await hub.close();
  }
  return rows;
}

export async function contentSize(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mib of [1, 5]) {
    const { p } = await pair();
    const body = "y".repeat(mib * 1024 * 1024);
    const t = performance.now();
    await p.alice.send(p.aConv, body);
    for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
    const s = (performance.now() - t) / 1000;
    rows.push({ name: `content ${mib} MiB: send + receive`, value: mib / s, unit: "MiB/s" });
    await p.alice.close();
    await p.bob.close();
  }
  return rows;
}

export async function storeKinds(): Promise<Row[]> {
  const rows: Row[] = [];
  const perMessage: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), "parley-scaling-"));
  try {
    for (const [kind, make] of [
      ["MemoryStore", async () => new MemoryStore()],
      ["SqliteStore file", async (name: string) => SqliteStore.open({ path: join(dir, `${name}.db`) })],
    ] as const) {
      const { p, counted } = await pair((name) => make(name));
      const n = 200;
      const before = counted.bytes;
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        await p.alice.send(p.aConv, "z".repeat(256));
        for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
        if (i % 32 === 31) {
          p.clock.t += 2_000;
          await p.bob.sweep();
          for (const m of p.bOut.take()) await p.alice.ingest(m.topic, m.payload);
        }
      }
      const ms = (performance.now() - t) / n;
      rows.push({
        name: `${kind}: bytes committed per 256 B message (sender)`,
        value: (counted.bytes - before) / n,
        unit: "B",
      });
      rows.push({ name: `${kind}: ms per message (send + receive)`, value: ms, unit: "ms" });
      perMessage[kind] = ms;
      await p.alice.close();
      await p.bob.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const memory = perMessage.MemoryStore;
  const file = perMessage["SqliteStore file"];
  if (memory !== undefined && file !== undefined) {
    const ratio = memory / file;
    rows.push({
      name: "Client on SqliteStore file vs MemoryStore",
      value: ratio,
      unit: "x",
      ratio,
      baseline: "MemoryStore",
    });
  }
  return rows;
}

export async function scalingSection(): Promise<SectionResult> {
  const rows = [
    ...(await peerOffline()),
    ...(await acknowledged()),
    ...(await groupCurve([1, 100, 1_000, 2_000])),
    ...(await idleSweep()),
    ...(await idleHeld()),
    ...(await contentSize()),
    ...(await storeKinds()),
    ...(await sqliteFileCurve(POINTS, 64)),
  ];
  return {
    section: "scaling",
    rows,
    notes: [
      `points at messages ${POINTS.join(", ")} (median of ${WINDOW} steps each); PARLEY_SCALING_MAX sets the largest`,
      "bytes written = keys + values committed to the sender's Store by its steps (a counting wrapper)",
      "KiB to disk = bytes the process wrote (/proc/self/io wchar) during each side's calls: WAL frames and checkpoints; averaged over 64 messages (two ack cycles) per point",
    ],
  };
}
