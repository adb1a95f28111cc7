/**
 * The `scaling` rows "idle conversations held" (issue 17: 100,000 conversations held stay under 1 % of a core
 * idle). One hub Client holds K PrivateV1 conversations (invites acknowledged, then idle) and G GroupV1 groups
 * (formed with one other member, then idle), on a MemoryStore behind a counting wrapper. Then one minute of
 * the Client's periodic sweeps (every `sweepIntervalMs`, 5 s by default) runs on a manual clock, and the
 * process's CPU time (`process.cpuUsage`, user + system) over those sweeps is its share of one core for a
 * minute. K: PARLEY_SCALING_HELD (default 10,000; 100,000 takes several minutes to set up).
 */
import { Client } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { Capture } from "./capture.js";
import { ManualClock } from "./client-pair.js";
import { CountingStore } from "./counting-store.js";
import type { Row } from "./harness.js";

const HELD = Number(process.env.PARLEY_SCALING_HELD ?? 10_000);
const GROUPS = 20;

/** Hands what each side published to the other until neither publishes anything (bounded). */
async function pump(a: { client: Client; out: Capture }, b: { client: Client; out: Capture }): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const fromA = a.out.take();
    const fromB = b.out.take();
    if (fromA.length === 0 && fromB.length === 0) return;
    for (const m of fromA) await b.client.ingest(m.topic, m.payload);
    for (const m of fromB) await a.client.ingest(m.topic, m.payload);
  }
}

export async function idleHeld(k = HELD, groups = GROUPS): Promise<Row[]> {
  const clock = new ManualClock();
  const counted = new CountingStore(new MemoryStore());
  const config = { invites: { perWindow: Number.POSITIVE_INFINITY } };
  const make = (store: CountingStore | MemoryStore, out: Capture) =>
    Client.create({ store, delivery: out, crypto: new NodeCryptoProvider(), clock, autoSweep: false, config });
  const hub = { out: new Capture(), client: undefined as unknown as Client };
  hub.client = await make(counted, hub.out);
  const peer = { out: new Capture(), client: undefined as unknown as Client };
  peer.client = await make(new MemoryStore(), peer.out);
  // The peer starts the K conversations with the hub (the invite rate bound of issue 19 lifted for this).
  const bundle = await hub.client.introBundle();
  for (let i = 0; i < k; i++) {
    await peer.client.startConversation(bundle, "hi");
    for (const m of peer.out.take()) await hub.client.ingest(m.topic, m.payload);
  }
  // Groups go through a PrivateV1 conversation the hub started (key packages and welcomes travel on it).
  await hub.client.startConversation(await peer.client.introBundle(), "hello");
  await pump(hub, peer);
  for (let g = 0; g < groups; g++) {
    await hub.client.createGroup({ name: `g${g}`, members: [peer.client.installationKey] });
    await pump(hub, peer);
  }
  // Acknowledgements, tail polling, Joined announcements and orphan expiry run out: sweeps for 5 minutes.
  const interval = hub.client.config.sweepIntervalMs;
  for (let t = 0; t < 300_000; t += interval) {
    clock.t += interval;
    await hub.client.sweep();
    await peer.client.sweep();
    await pump(hub, peer);
  }
  await peer.client.close();
  hub.out.take();
  const formed = (await hub.client.conversations()).filter((c) => c.type === "GroupV1" && c.status === "active");
  for (const c of formed)
    if ((await hub.client.groupMembers(c.id)).filter((m) => m.state === "member").length !== 2)
      throw new Error("idle-held: a group did not form");
  if (formed.length !== groups) throw new Error(`idle-held: ${formed.length} of ${groups} groups formed`);

  // One minute of sweeps, as the timer would run them.
  const sweeps = Math.round(60_000 / interval);
  const commits = counted.commits;
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < sweeps; i++) {
    clock.t += interval;
    const t = performance.now();
    await hub.client.sweep();
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  const label = `idle held, ${k} conversations + ${groups} groups`;
  await hub.client.close();
  return [
    {
      name: `${label}: CPU % of a core (sweep every ${interval / 1000} s)`,
      value: (used.user + used.system) / 600_000,
      unit: "%",
    },
    { name: `${label}: ms per sweep`, value: times.reduce((a, b) => a + b, 0) / sweeps, unit: "ms" },
    { name: `${label}: commits per minute`, value: counted.commits - commits, unit: "commits" },
  ];
}
