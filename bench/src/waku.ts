/**
 * Waku delivery: publish→receive latency and throughput between two WakuDelivery nodes on the in-process
 * memory transport, against raw gossipsub on the same two libp2p nodes in the same run (a plain topic,
 * payload bytes as they are: no WakuMessage envelope, no validator, no message hash). The ratio is the cost
 * of the Waku layer; the network is the same.
 */
import { randomBytes } from "node:crypto";
import type { Message } from "@libp2p/interface";
import { WakuDelivery } from "@parley/waku";
import { median, type Row, type Section } from "./harness.js";

const TOPIC = "/logos-chat/1/bench/proto";
const RAW_TOPIC = "/parley-bench/raw";
const NETWORK = { clusterId: 42, numShardsInCluster: 8 };

interface Pair {
  readonly a: WakuDelivery;
  readonly b: WakuDelivery;
  stop(): Promise<void>;
}

interface Channel {
  /** Sends and resolves when the sender's publish call returns. */
  send(payload: Uint8Array): Promise<void>;
  /** Calls `fn` with each received payload's first 4 bytes as a sequence number. */
  onReceive(fn: (seq: number) => void): void;
}

async function pair(): Promise<Pair> {
  const run = randomBytes(4).toString("hex");
  const a = new WakuDelivery({ network: NETWORK, heartbeatIntervalMs: 100, listen: [`/memory/bench-${run}-a`] });
  await a.start();
  const b = new WakuDelivery({
    network: NETWORK,
    heartbeatIntervalMs: 100,
    listen: [`/memory/bench-${run}-b`],
    bootstrap: [a.multiaddrs()[0]!.toString()],
  });
  await b.start();
  return { a, b, stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
}

function wakuChannel(p: Pair): Channel {
  return {
    async send(payload) {
      const r = await p.a.publish(TOPIC, payload);
      if (!r.ok) throw new Error(`publish failed: ${r.error}`);
    },
    onReceive(fn) {
      void p.b.subscribe(TOPIC, (m) => fn(seqOf(m.payload)));
    },
  };
}

type RawPubsub = {
  subscribe(t: string): void;
  publish(t: string, d: Uint8Array): Promise<unknown>;
  topicValidators: Map<string, unknown>;
  addEventListener(e: "message", f: (evt: CustomEvent<Message>) => void): void;
};

function rawChannel(p: Pair): Channel {
  const pa = p.a.libp2p.services.pubsub as RawPubsub;
  const pb = p.b.libp2p.services.pubsub as RawPubsub;
  return {
    async send(payload) {
      await pa.publish(RAW_TOPIC, payload);
    },
    onReceive(fn) {
      pb.addEventListener("message", (e) => {
        if (e.detail.topic === RAW_TOPIC) fn(seqOf(e.detail.data));
      });
    },
  };
}

function seqOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
}

function payloadFor(seq: number, size: number): Uint8Array {
  const p = randomBytes(size);
  new DataView(p.buffer, p.byteOffset, 4).setUint32(0, seq);
  return p;
}

/** Installs a receive hook that resolves per-sequence waiters. */
function receiver(ch: Channel) {
  const arrived = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  ch.onReceive((seq) => {
    arrived.set(seq, performance.now());
    waiters.get(seq)?.();
  });
  return {
    arrived,
    wait(seq: number, timeoutMs = 10_000): Promise<void> {
      if (arrived.has(seq)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`message ${seq} not received`)), timeoutMs);
        waiters.set(seq, () => {
          clearTimeout(t);
          waiters.delete(seq);
          resolve();
        });
      });
    },
  };
}

let nextSeq = 1;

/** One message at a time: publish, wait for arrival. Returns per-message latencies (ms). */
async function latencies(ch: Channel, rx: ReturnType<typeof receiver>, count: number, size: number) {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const seq = nextSeq++;
    const t0 = performance.now();
    await ch.send(payloadFor(seq, size));
    await rx.wait(seq);
    out.push(rx.arrived.get(seq)! - t0);
  }
  return out;
}

/** Publishes `count` messages back to back, then waits for all: messages per second end to end. */
async function throughput(ch: Channel, rx: ReturnType<typeof receiver>, count: number, size: number) {
  const seqs = Array.from({ length: count }, () => nextSeq++);
  const payloads = seqs.map((s) => payloadFor(s, size));
  const t0 = performance.now();
  for (const p of payloads) await ch.send(p);
  await Promise.all(seqs.map((s) => rx.wait(s, 30_000)));
  return (count * 1000) / (performance.now() - t0);
}

function p95(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

export const waku: Section = async () => {
  const p = await pair();
  try {
    (p.a.libp2p.services.pubsub as RawPubsub).subscribe(RAW_TOPIC);
    (p.b.libp2p.services.pubsub as RawPubsub).subscribe(RAW_TOPIC);
    const wakuCh = wakuChannel(p);
    const rawCh = rawChannel(p);
    const wakuRx = receiver(wakuCh);
    const rawRx = receiver(rawCh);
    // Both meshes must exist before measuring (the raw topic shares the same heartbeat).
    const meshStart = performance.now();
    if (!(await p.a.waitForPeers(TOPIC)) || !(await p.b.waitForPeers(TOPIC))) throw new Error("waku mesh did not form");
    const meshMs = performance.now() - meshStart;
    const pubsubA = p.a.libp2p.services.pubsub as unknown as { getMeshPeers(t: string): string[] };
    for (let i = 0; i < 100 && pubsubA.getMeshPeers(RAW_TOPIC).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    await latencies(wakuCh, wakuRx, 20, 256); // warm-up
    await latencies(rawCh, rawRx, 20, 256);

    const rows: Row[] = [];
    for (const size of [256, 16 * 1024]) {
      const wl: number[] = [];
      const rl: number[] = [];
      // Interleaved rounds so both see the same machine conditions.
      for (let round = 0; round < 5; round++) {
        wl.push(...(await latencies(wakuCh, wakuRx, 40, size)));
        rl.push(...(await latencies(rawCh, rawRx, 40, size)));
      }
      const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
      rows.push(
        {
          name: `Waku publish→receive latency ${label} (median)`,
          value: median(wl),
          unit: "ms",
          ratio: median(rl) / median(wl),
          baseline: "raw gossipsub",
        },
        { name: `Waku publish→receive latency ${label} (p95)`, value: p95(wl), unit: "ms" },
        { name: `raw gossipsub latency ${label} (median)`, value: median(rl), unit: "ms" },
      );
      const wt: number[] = [];
      const rt: number[] = [];
      for (let round = 0; round < 5; round++) {
        wt.push(await throughput(wakuCh, wakuRx, 500, size));
        rt.push(await throughput(rawCh, rawRx, 500, size));
      }
      rows.push(
        {
          name: `Waku throughput ${label}`,
          value: median(wt),
          unit: "msg/s",
          ratio: median(wt) / median(rt),
          baseline: "raw gossipsub",
        },
        { name: `raw gossipsub throughput ${label}`, value: median(rt), unit: "msg/s" },
      );
    }
    rows.push({ name: "mesh formed after start (heartbeat 100 ms)", value: meshMs, unit: "ms" });
    return {
      section: "waku",
      rows,
      notes: [
        "2 nodes, @libp2p/memory transport, one process; raw = same gossipsub, plain topic, bare payload",
        "latency: one message in flight; throughput: 500 back-to-back publishes until the last arrives",
        "ratios are Waku relative to raw gossipsub (latency: raw/waku; throughput: waku/raw): below 1 = Waku slower",
      ],
    };
  } finally {
    await p.stop();
  }
};
