/**
 * The "hold under real use" acceptance scenario: several clients, a PrivateV1 conversation between every pair,
 * a lossy network (drops, duplicates, reordering, delays), thousands of messages of mixed sizes (some large
 * enough to be segmented), one client cut off from everyone for a long time in the middle, then heal and run
 * until quiet. It reports what a chat user would check: every message exactly once, in per-sender order, with
 * its content intact, every sender's state `acked`, no `lost` for a message that arrived, and what it cost.
 *
 * Everything runs on a VirtualClock and MemoryDelivery, so hours of network time take seconds, and a seed
 * reproduces a run.
 */
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientConfig, type ClientEvent } from "../../src/client/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { seededRandom } from "../../src/crypto/random.js";
import { type Faults, MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { SeededPrng } from "../../src/framework/prng.js";

export interface ScenarioOptions {
  readonly seed: number;
  readonly clients?: number;
  readonly messages?: number;
  /** Virtual time over which the messages are sent (ms). */
  readonly durationMs?: number;
  readonly faults?: Faults;
  /** One client cut off from every other for this long, starting at `partitionAtMs` (default: the middle). */
  readonly partitionMs?: number;
  readonly partitionAtMs?: number;
  /** Share of messages of 60–200 KB (segmented). Default 0.03. */
  readonly largeShare?: number;
  readonly config?: Partial<ClientConfig>;
  /** Give up waiting for quiet after this much virtual time past the last send (ms). Default 12 h. */
  readonly settleLimitMs?: number;
}

export interface ScenarioReport {
  readonly seed: number;
  readonly sent: number;
  /** Messages the addressee's application got exactly once with the right content. */
  readonly deliveredOnce: number;
  readonly neverDelivered: number;
  readonly deliveredTwice: number;
  readonly contentMismatch: number;
  /** Pairs of messages of one sender that reached the application in the other order. */
  readonly orderInversions: number;
  /** Messages whose sender's last delivery state is not `acked`. */
  readonly notAcked: number;
  /** `lost` events for messages that did reach the peer's application. */
  readonly falseLost: number;
  /** `lost` events in all (each message counted once). */
  readonly lostEvents: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly publishes: number;
  readonly publishesPerMessage: number;
  readonly peakHeapMB: number;
  /** Virtual time from the last send until every message was acked (ms), or -1 if it never was. */
  readonly settleMs: number;
  readonly wallMs: number;
}

interface SentMessage {
  readonly index: number;
  readonly from: number;
  readonly to: number;
  readonly text: string;
  messageId: string;
}

const MINUTE = 60_000;

export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const started = Date.now();
  const n = options.clients ?? 4;
  const total = options.messages ?? 2_000;
  const duration = options.durationMs ?? 40 * MINUTE;
  const partitionMs = options.partitionMs ?? 12 * MINUTE;
  const partitionAt = options.partitionAtMs ?? Math.floor(duration / 2 - partitionMs / 2);
  const largeShare = options.largeShare ?? 0.03;
  const faults: Faults = options.faults ?? {
    drop: 0.4,
    duplicate: 0.1,
    reorder: 0.3,
    reorderWindow: 2_000,
    delay: { min: 0, max: 800 },
  };
  const prng = new SeededPrng(`scenario/${options.seed}`);
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const busCrypto = new NodeCryptoProvider({ random: seededRandom(`scenario/${options.seed}/bus`) });
  const bus = new MemoryDelivery({ clock, crypto: busCrypto, seed: options.seed, faults, trace: false });
  let peakHeap = 0;
  const sampleHeap = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };

  const names = Array.from({ length: n }, (_, i) => `c${i}`);
  const events: ClientEvent[][] = names.map(() => []);
  const clients: Client[] = [];
  for (const [i, name] of names.entries()) {
    const crypto = new NodeCryptoProvider({ random: seededRandom(`scenario/${options.seed}/${name}`) });
    const client = await Client.create({
      store: new MemoryStore(),
      delivery: bus.endpoint(name),
      crypto,
      clock,
      random: seededRandom(`scenario/${options.seed}/${name}/salt`),
      ...(options.config !== undefined && { config: options.config }),
    });
    client.onEvent((e) => events[i]!.push(e));
    clients.push(client);
  }
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 500) await clock.advanceAsync(Math.min(500, ms - t));
  };

  // A conversation between every pair, started by the lower index; wait until the other side has it.
  const conv = new Map<string, string>(); // `${from}>${to}` -> conversation id on `from`
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const r = await clients[a]!.startConversation(await clients[b]!.introBundle(), `hello ${a}>${b}`);
      conv.set(`${a}>${b}`, r.conversationId);
    }
  }
  for (let i = 0; i < 600; i++) {
    let missing = false;
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        const peerKey = clients[a]!.installationKey;
        const found = events[b]!.find(
          (e) => e.type === "conversation-started" && e.peer === peerKey && e.initiatedBy === "peer",
        );
        if (found && found.type === "conversation-started") conv.set(`${b}>${a}`, found.conversationId);
        else missing = true;
      }
    if (!missing) break;
    await run(1_000);
  }
  if (conv.size !== n * (n - 1)) throw new Error("scenario: conversations did not start");

  // The schedule: message i at a random time, from a random client to another.
  const schedule = Array.from({ length: total }, () => Math.floor(prng.float() * duration)).sort((x, y) => x - y);
  const sent: SentMessage[] = [];
  const t0 = clock.now();
  let partition: { heal(): void } | undefined;
  const others = (i: number) => names.filter((_, j) => j !== i);
  for (let i = 0; i < total; i++) {
    const due = t0 + schedule[i]!;
    if (due > clock.now()) await run(due - clock.now());
    const elapsed = clock.now() - t0;
    if (!partition && partitionMs > 0 && elapsed >= partitionAt && elapsed < partitionAt + partitionMs) {
      partition = bus.partition([names[0]!], others(0));
    }
    if (partition && elapsed >= partitionAt + partitionMs) {
      partition.heal();
      partition = undefined;
    }
    const from = prng.int(0, n - 1);
    let to = prng.int(0, n - 2);
    if (to >= from) to++;
    const text = makeText(prng, i, from, to, largeShare);
    const message: SentMessage = { index: i, from, to, text, messageId: "" };
    sent.push(message);
    message.messageId = (await clients[from]!.send(conv.get(`${from}>${to}`)!, text)).messageId;
    if (i % 50 === 0) sampleHeap();
  }
  partition?.heal();
  const lastSend = clock.now();

  // Run until every message is acked at its sender and delivered at its addressee, or the limit.
  const limit = options.settleLimitMs ?? 12 * 60 * MINUTE;
  const lastState = (m: SentMessage) => {
    let s: string | undefined;
    for (const e of events[m.from]!) if (e.type === "delivery-state" && e.messageId === m.messageId) s = e.state;
    return s;
  };
  let settleMs = -1;
  const deliveredIds = () => {
    const ids = new Set<string>();
    for (const list of events) for (const e of list) if (e.type === "message") ids.add(e.messageId);
    return ids;
  };
  for (let waited = 0; waited <= limit; waited += 10_000) {
    const got = deliveredIds();
    if (sent.every((m) => got.has(m.messageId) && lastState(m) === "acked")) {
      settleMs = clock.now() - lastSend;
      break;
    }
    await run(10_000);
    sampleHeap();
  }
  // A little longer, so late duplicates or false events would show.
  await run(5 * MINUTE);
  sampleHeap();

  // What each application saw.
  let deliveredOnce = 0;
  let neverDelivered = 0;
  let deliveredTwice = 0;
  let contentMismatch = 0;
  let orderInversions = 0;
  let notAcked = 0;
  let falseLost = 0;
  let lostEvents = 0;
  const errorCodes: Record<string, number> = {};
  for (const list of events)
    for (const e of list) if (e.type === "error") errorCodes[e.error.code] = (errorCodes[e.error.code] ?? 0) + 1;
  const arrivals = new Map<string, { at: number; text: string }[]>();
  for (const [i, list] of events.entries())
    list.forEach((e, at) => {
      if (e.type !== "message") return;
      const key = `${i}/${e.messageId}`;
      const text = e.content.kind === "text" ? (e.content as { text: string }).text : `<${e.content.kind}>`;
      arrivals.set(key, [...(arrivals.get(key) ?? []), { at, text }]);
    });
  const position = new Map<SentMessage, number>();
  for (const m of sent) {
    const got = arrivals.get(`${m.to}/${m.messageId}`) ?? [];
    if (got.length === 0) neverDelivered++;
    else if (got.length > 1) deliveredTwice++;
    else if (got[0]!.text !== m.text) contentMismatch++;
    else deliveredOnce++;
    if (got[0]) position.set(m, got[0].at);
    const states = events[m.from]!.filter((e) => e.type === "delivery-state" && e.messageId === m.messageId);
    if (states.some((e) => e.type === "delivery-state" && e.state === "lost")) {
      lostEvents++;
      if (got.length > 0) falseLost++;
    }
    if (lastState(m) !== "acked") {
      notAcked++;
      if (process.env.SCENARIO_DEBUG)
        console.log(
          `not acked: #${m.index} ${m.from}>${m.to} ${m.text.length} B delivered=${got.length}`,
          states.map((e) => (e.type === "delivery-state" ? e.state : "")).join(","),
        );
    }
  }
  for (let from = 0; from < n; from++)
    for (let to = 0; to < n; to++) {
      let last = -1;
      for (const m of sent) {
        if (m.from !== from || m.to !== to) continue;
        const at = position.get(m);
        if (at === undefined) continue;
        if (at < last) orderInversions++;
        last = Math.max(last, at);
      }
    }
  const publishes = bus.stats().published;
  for (const c of clients) await c.close();
  return {
    seed: options.seed,
    sent: total,
    deliveredOnce,
    neverDelivered,
    deliveredTwice,
    contentMismatch,
    orderInversions,
    notAcked,
    falseLost,
    lostEvents,
    errorCodes,
    publishes,
    publishesPerMessage: Math.round((publishes / total) * 100) / 100,
    peakHeapMB: Math.round(peakHeap / 1024 / 1024),
    settleMs,
    wallMs: Date.now() - started,
  };
}

/** Text of a message: its identity first, then filler of a random size (log-uniform; a few are 60–200 KB). */
function makeText(prng: SeededPrng, i: number, from: number, to: number, largeShare: number): string {
  const head = `#${i} ${from}>${to} `;
  const size =
    prng.float() < largeShare
      ? prng.int(60_000, 200_000)
      : Math.floor(Math.exp(Math.log(10) + prng.float() * (Math.log(60_000) - Math.log(10))));
  const filler = "abcdefghijklmnopqrstuvwxyz0123456789 ";
  let out = head;
  const start = prng.int(0, filler.length - 1);
  while (out.length < size) out += filler.slice(start) + filler.slice(0, start);
  return out.slice(0, Math.max(size, head.length));
}
