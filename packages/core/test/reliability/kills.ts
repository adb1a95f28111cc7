/**
 * The SIGKILL test of packages/sqlite (real processes, a real Waku node) as an in-process model, so that many
 * seeds and long virtual times cost seconds: a victim Client is killed over and over and opened again on what
 * its store holds, while a peer that is never killed chats with it over a lossy MemoryDelivery.
 *
 * A kill is the end of a life: from that moment the life's store takes no commit and its delivery neither
 * publishes nor hands anything to its handlers. Kills come at random moments of the test's time, and, as in a
 * real process, right before a commit, right after one (before what the step publishes), and between the
 * publications of one step. The next life opens a new Client on the same store and catches up from the Store
 * (the bus's history) from 2 s before the newest message it holds, as the real test's party does.
 */
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientConfig, type ClientEvent } from "../../src/client/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { seededRandom } from "../../src/crypto/random.js";
import type { Delivery, HistoryQuery, MessageHandler, PublishResult } from "../../src/framework/delivery.js";
import { type Faults, MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { SeededPrng } from "../../src/framework/prng.js";
import type { ScanOptions, Store, StoreEntry, WriteOp } from "../../src/framework/store.js";

export interface KillsOptions {
  readonly seed: number;
  readonly kills: number;
  readonly faults?: Faults;
  /** Chance that a commit or a publication is where the process dies (beside kills at random moments). */
  readonly dieAtStep?: number;
  /** How far before the newest message it holds a life's catch-up starts (default 2 s, as the real party). */
  readonly catchUpOverlapMs?: number;
  /** The victim starts the conversation (its invite and first message come from a life that may die). */
  readonly victimStarts?: boolean;
}

export interface KillsReport {
  readonly seed: number;
  readonly victimSent: number;
  readonly peerSent: number;
  /** Numbers in each side's stored history, in history order. */
  readonly victimReceived: readonly number[];
  readonly peerReceived: readonly number[];
  /** Numbers reported twice as message events (across the victim's lives / by the peer). */
  readonly reportedTwice: number;
  /** Outgoing messages per delivery state at the end. */
  readonly victimStates: Readonly<Record<string, number>>;
  readonly peerStates: Readonly<Record<string, number>>;
  /** Error events, by code and message (a life's events until its kill). */
  readonly errors: Readonly<Record<string, number>>;
  /** Lives that ended at a commit or a publication rather than at a random moment. */
  readonly diedAtStep: number;
}

/** One life's view of the store: after its death nothing it commits lands. */
class MortalStore implements Store {
  dead = false;
  constructor(
    private readonly inner: Store,
    private readonly dies: () => boolean,
    private readonly die: () => void,
  ) {}
  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    return this.inner.scan(ns, options);
  }
  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.dead || this.dies()) {
      this.die();
      throw new Error("the process is gone");
    }
    await this.inner.commit(ops);
    // Dead right after the commit: what the step would publish next never goes out.
    if (this.dies()) this.die();
  }
  async close(): Promise<void> {}
}

/** One life's view of the network. */
class MortalDelivery implements Delivery {
  dead = false;
  readonly maxPayloadBytes: number;
  constructor(
    private readonly inner: Delivery,
    private readonly dies: () => boolean,
    private readonly die: () => void,
  ) {
    this.maxPayloadBytes = inner.maxPayloadBytes;
  }
  async publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult> {
    if (!this.dead && this.dies()) this.die();
    if (this.dead) return { ok: false, error: "stopped" };
    return this.inner.publish(contentTopic, payload);
  }
  subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void> {
    return this.inner.subscribe(contentTopic, (m) => {
      if (!this.dead) return handler(m);
    });
  }
  history(query: HistoryQuery) {
    return this.inner.history!(query);
  }
}

const numberOf = (text: string, tag: string): number | undefined => {
  const m = /^([a-z]):(\d+)$/.exec(text);
  return m && m[1] === tag ? Number(m[2]) : undefined;
};

interface Ledger {
  sent: number[];
  received: number[];
  states: Record<string, number>;
  lastIncomingAt: number;
}

async function ledgerOf(client: Client, conversationId: string, own: string, peer: string): Promise<Ledger> {
  const out: Ledger = { sent: [], received: [], states: {}, lastIncomingAt: 0 };
  const items = [];
  let before: string | undefined;
  for (;;) {
    const r = await client.history(conversationId, { limit: 1000, ...(before !== undefined && { before }) });
    items.unshift(...r.items);
    if (r.before === undefined) break;
    before = r.before;
  }
  for (const i of items) {
    const text = i.content.kind === "text" ? (i.content as { text: string }).text : "";
    if (i.direction === "out") {
      out.states[i.state ?? "none"] = (out.states[i.state ?? "none"] ?? 0) + 1;
      const n = numberOf(text, own);
      if (n !== undefined) out.sent.push(n);
    } else {
      out.lastIncomingAt = Math.max(out.lastIncomingAt, i.timestamp);
      const n = numberOf(text, peer);
      if (n !== undefined) out.received.push(n);
    }
  }
  return out;
}

const CONFIG: Partial<ClientConfig> = { sweepIntervalMs: 250, ackDelayMs: 200, maxSends: 1_000 };

export async function runKills(options: KillsOptions): Promise<KillsReport> {
  const prng = new SeededPrng(options.seed);
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const crypto = (label: string) => new NodeCryptoProvider({ random: seededRandom(`kills/${options.seed}/${label}`) });
  const bus = new MemoryDelivery({
    clock,
    crypto: crypto("bus"),
    seed: options.seed,
    trace: false,
    ...(options.faults && { faults: options.faults }),
  });
  const run = async (ms: number, step = 20) => {
    for (let t = 0; t < ms; t += step) await clock.advanceAsync(Math.min(step, ms - t));
  };
  const errors: Record<string, number> = {};
  let reportedTwice = 0;
  /** Counts a party's error events, and the numbered messages of `peerTag` it was told of twice. */
  const listener = (peerTag: string) => {
    const reported = new Set<number>();
    return (e: ClientEvent) => {
      if (e.type === "error") {
        const key = `${e.error.code}: ${e.error.message}`;
        errors[key] = (errors[key] ?? 0) + 1;
      } else if (e.type === "message" && e.content.kind === "text") {
        const n = numberOf((e.content as { text: string }).text, peerTag);
        if (n === undefined) return;
        if (reported.has(n)) reportedTwice++;
        reported.add(n);
      }
    };
  };

  const peerStore = new MemoryStore();
  const peer = await Client.create({
    store: peerStore,
    delivery: bus.endpoint("peer"),
    crypto: crypto("peer"),
    clock,
    random: seededRandom(`kills/${options.seed}/peer/salt`),
    config: { ...CONFIG, resendAfterMs: 8_000 },
  });
  peer.onEvent(listener("v"));

  const victimStore = new MemoryStore();
  const victimCrypto = crypto("victim");
  const victimConfig = { ...CONFIG, resendAfterMs: 3_000 };
  let diedAtStep = 0;
  const dieAtStep = options.dieAtStep ?? 0.01;
  /** One listener over all the victim's lives: a number told in two lives is told twice. */
  const victimListener = listener("p");

  /** Opens a life (the last one does not die at a step); `kill` ends it. */
  async function life(create: boolean, immortal = false) {
    let dead = false;
    const end = () => {
      dead = true;
      store.dead = true;
      delivery.dead = true;
    };
    const die = () => {
      if (!dead) diedAtStep++;
      end();
    };
    const dies = () => !immortal && !dead && prng.float() < dieAtStep;
    const store = new MortalStore(victimStore, dies, die);
    const delivery = new MortalDelivery(bus.endpoint("victim"), dies, die);
    const o = { store, delivery, crypto: victimCrypto, clock, config: victimConfig };
    const client = create ? await Client.create(o) : await Client.open(o);
    const stop = client.onEvent((e) => {
      if (!dead) victimListener(e);
    });
    return {
      client,
      isDead: () => dead,
      async kill() {
        end();
        stop();
        await client.close().catch(() => {});
      },
    };
  }

  // The victim's identity; one of them starts the conversation from the other's intro bundle, then the peer
  // sends every 100 ms.
  let v = await life(true, true);
  let peerConv: string;
  let peerNext = 1;
  if (options.victimStarts) {
    await v.client.startConversation(await peer.introBundle(), "v:0");
    for (let t = 0; t < 600_000 && (await peer.conversations()).length === 0; t += 1_000) await run(1_000, 100);
    peerConv = (await peer.conversations())[0]!.id;
    peerNext = 0;
  } else {
    const bundle = await v.client.introBundle();
    peerConv = (await peer.startConversation(bundle, "p:0")).conversationId;
  }
  await v.kill();
  let peerRunning = true;
  const peerLoop = (async () => {
    while (peerRunning) {
      await peer.send(peerConv, `p:${peerNext}`);
      peerNext++;
      await new Promise<void>((r) => clock.setTimer(100, r));
    }
  })();

  let conv: string | undefined;
  for (let round = 0; round <= options.kills; round++) {
    const last = round === options.kills;
    v = await life(false, last);
    conv ??= (await v.client.conversations())[0]?.id;
    const before = conv ? await ledgerOf(v.client, conv, "v", "p") : undefined;
    const overlap = options.catchUpOverlapMs ?? 2_000;
    const since = before && before.lastIncomingAt > 0 ? Math.max(0, before.lastIncomingAt - overlap) : 0;
    const caughtUp = v.client.catchUp(since).catch(() => 0);
    if (last) {
      await caughtUp;
      break;
    }
    // This life lasts 100–1,500 ms of the test's time (a few die in start-up), sending every 20 ms.
    const lifetime = Math.round(prng.float() < 0.15 ? prng.float() * 300 : 100 + prng.float() * 1_400);
    const client = v.client;
    const isDead = v.isDead;
    const sending = (async () => {
      await caughtUp;
      let next: number | undefined;
      for (;;) {
        if (isDead()) return;
        conv ??= (await client.conversations())[0]?.id;
        if (conv) {
          next ??= (await ledgerOf(client, conv, "v", "p")).sent.length;
          const sent = await client.send(conv, `v:${next}`).then(
            () => true,
            () => false,
          );
          if (!sent) return;
          next++;
        }
        await new Promise<void>((r) => clock.setTimer(20, r));
      }
    })();
    await run(lifetime);
    await v.kill();
    await run(20);
    await sending;
  }

  // The victim stays alive; the peer stops sending; everything must settle.
  peerRunning = false;
  await run(200);
  await peerLoop;
  for (let t = 0; t < 2 * 3_600_000; t += 5_000) {
    await run(5_000, 250);
    const a = await ledgerOf(v.client, conv!, "v", "p");
    const b = await ledgerOf(peer, peerConv, "p", "v");
    const settled = (s: Record<string, number>) => Object.keys(s).join() === "acked";
    if (settled(a.states) && settled(b.states) && a.received.length >= peerNext && b.received.length >= a.sent.length)
      break;
  }
  const a = await ledgerOf(v.client, conv!, "v", "p");
  const b = await ledgerOf(peer, peerConv, "p", "v");
  await v.kill();
  await peer.close();
  return {
    seed: options.seed,
    victimSent: a.sent.length,
    peerSent: peerNext,
    victimReceived: a.received,
    peerReceived: b.received,
    reportedTwice,
    victimStates: a.states,
    peerStates: b.states,
    errors,
    diedAtStep,
  };
}
