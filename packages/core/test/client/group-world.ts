/**
 * The world of the GroupV1 Client tests: clients on one MemoryDelivery (seeded drops, duplicates, reordering,
 * delays) and one VirtualClock, with PrivateV1 conversations between them, and the checks those tests share.
 * Virtual time only moves once every client has finished its step (see `run`).
 */
import { expect } from "vitest";
import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientEvent, type ClientOptions } from "../../src/client/index.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { type Faults, MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import type { Store } from "../../src/framework/store.js";

export const CONFIG = { sweepIntervalMs: 1_000, resendAfterMs: 3_000, maxSends: 1_000, ackDelayMs: 500 };
export const GROUPS = {
  recoveryIntervalMs: 2_000,
  tailRecoveryMs: 10_000,
  leaveFailoverMs: 5_000,
  rewelcomeAfterMs: 60_000,
};
/** How often each client's delivery asks history for what its links lost (the CLI's is 30 s over Waku). */
export const MISSED_CHECK_MS = 10_000;

export const FAULTS: Faults = {
  drop: 0.1,
  duplicate: 0.1,
  reorder: 0.2,
  reorderWindow: 300,
  delay: { min: 5, max: 80 },
};

export type Message = Extract<ClientEvent, { type: "message" }>;

export interface Peer {
  readonly name: string;
  client: Client;
  readonly store: Store;
  readonly events: ClientEvent[];
  /** Virtual time at which each entry of `events` was emitted (same index). */
  readonly times: number[];
  readonly options: ClientOptions;
  /** Pairwise conversation id with each other peer, by name. */
  readonly pairwise: Map<string, string>;
  off: () => void;
}

export function setup(seed: string, faults: Faults = FAULTS) {
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const bus = new MemoryDelivery({
    clock,
    crypto: new NobleCryptoProvider({ random: seededRandom(`${seed}/bus`) }),
    seed,
    faults,
    trace: false,
    // As a client of a Waku node asks its Store for what relay lost: a commit dropped at the end of a burst,
    // with nothing sent after it, arrives from there (the network's path; GroupV1 has no other).
    missedMessages: { intervalMs: MISSED_CHECK_MS },
  });
  const peers: Peer[] = [];
  const attach = (p: Peer) => {
    p.off = p.client.onEvent((e) => {
      p.events.push(e);
      p.times.push(clock.now());
    });
  };
  // Virtual time only moves once every client has finished what it is doing: MLS work (HPKE through
  // WebCrypto) completes in real time, and a step still running must not see its timeouts expire.
  const run = async (ms: number, step = 250) => {
    for (let t = 0; t < ms; t += step) {
      await clock.advanceAsync(Math.min(step, ms - t));
      await Promise.all(peers.map((p) => p.client.idle()));
    }
  };
  const until = async (what: string, pred: () => boolean | Promise<boolean>, maxMs = 120_000) => {
    for (let t = 0; t <= maxMs; t += 500) {
      if (await pred()) return;
      await run(500);
    }
    const seen = peers.map((p) => `${p.name}: ${p.events.filter((e) => e.type === "message").length} messages`);
    throw new Error(`timed out waiting for: ${what} (${seen.join(", ")})`);
  };
  return {
    clock,
    bus,
    peers,
    run,
    until,
    /** `config`: over CONFIG. */
    async peer(name: string, store: Store = new MemoryStore(), config: ClientOptions["config"] = {}): Promise<Peer> {
      const options: ClientOptions = {
        store,
        delivery: bus.endpoint(name),
        crypto: new NobleCryptoProvider({ random: seededRandom(`${seed}/${name}`) }),
        clock,
        random: seededRandom(`${seed}/${name}/salt`),
        config: { ...CONFIG, ...config },
        groups: GROUPS,
      };
      const p: Peer = {
        name,
        client: await Client.create(options),
        store,
        events: [],
        times: [],
        options,
        pairwise: new Map(),
        off: () => {},
      };
      attach(p);
      peers.push(p);
      return p;
    },
    /** A PrivateV1 conversation between a and b, both sides started. */
    async connect(a: Peer, b: Peer): Promise<void> {
      const { conversationId } = await a.client.startConversation(await b.client.introBundle(), `hi ${b.name}`);
      a.pairwise.set(b.name, conversationId);
      const key = a.client.installationKey;
      await until(`${b.name} hears from ${a.name}`, () =>
        b.events.some((e) => e.type === "conversation-started" && e.peer === key),
      );
      const s = b.events.find((e) => e.type === "conversation-started" && e.peer === key);
      b.pairwise.set(a.name, (s as { conversationId: string }).conversationId);
    },
    async stop(p: Peer): Promise<void> {
      p.off();
      await p.client.close();
    },
    async reopen(p: Peer): Promise<void> {
      p.client = await Client.open({ ...p.options, delivery: bus.endpoint(p.name) });
      attach(p);
    },
  };
}

export function groupMessages(p: Peer, cid: string): Message[] {
  return p.events.filter((e): e is Message => e.type === "message" && e.conversationId === cid);
}

export const text = (m: Message) => (m.content as { text: string }).text;

/** Each text exactly once, nothing else (and no message id twice). */
export function expectExactly(p: Peer, cid: string, texts: string[]): void {
  const got = groupMessages(p, cid);
  expect(new Set(got.map((m) => m.messageId)).size).toBe(got.length);
  expect(got.map(text).sort()).toEqual([...texts].sort());
}

export async function sameRoster(ps: Peer[], cid: string, want: Peer[]): Promise<boolean> {
  const expected = want.map((w) => w.client.installationKey).sort();
  for (const p of ps) {
    const members = await p.client.groupMembers(cid);
    if (
      members
        .map((m) => m.peer)
        .sort()
        .join() !== expected.join()
    )
      return false;
    if (members.some((m) => m.state === "invited")) return false;
  }
  return true;
}

export function startedEvents(p: Peer, cid: string): ClientEvent[] {
  return p.events.filter((e) => e.type === "conversation-started" && e.conversationId === cid);
}

/** The group conversation id as `p` knows it (same id on every member). */
export async function hasGroup(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.conversations()).some((c) => c.id === cid && c.type === "GroupV1" && c.status === "active");
}

/** Same roster and same head epoch on every member: the group did not fork. */
export async function converged(ps: Peer[], cid: string, want: Peer[]): Promise<boolean> {
  if (!(await sameRoster(ps, cid, want))) return false;
  const ids = await Promise.all(ps.map(async (p) => (await p.client.groupInfo(cid)).epochId));
  return ids.every((id) => id === ids[0]);
}

/** alice, bob, carol, dave with a PrivateV1 conversation between every two of them. */
export async function mesh(w: ReturnType<typeof setup>) {
  const ps = [await w.peer("alice"), await w.peer("bob"), await w.peer("carol"), await w.peer("dave")];
  for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) await w.connect(ps[i]!, ps[j]!);
  return ps as [Peer, Peer, Peer, Peer];
}

export async function groupOf(w: ReturnType<typeof setup>, creator: Peer, others: Peer[], name = "g"): Promise<string> {
  const { conversationId } = await creator.client.createGroup({
    name,
    members: others.map((o) => o.client.installationKey),
  });
  const all = [creator, ...others];
  await w.until("group formed", async () => {
    for (const o of others) if (!(await hasGroup(o, conversationId))) return false;
    return (
      (await converged(all, conversationId, all)) &&
      (await creator.client.groupMembers(conversationId)).every((m) => m.state === "member")
    );
  });
  return conversationId;
}

/** mulberry32: a property test's own choices (who acts, what, when), seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const key = (p: Peer) => p.client.installationKey;

/** The roster `p` sees: members and pending members (who hold the epoch's keys), not invitees. */
export async function rosterOf(p: Peer, cid: string): Promise<string[]> {
  const ms = await p.client.groupMembers(cid).catch(() => []);
  return ms
    .filter((m) => m.state !== "invited")
    .map((m) => m.peer)
    .sort();
}

async function invited(p: Peer, cid: string): Promise<boolean> {
  return (await p.client.groupMembers(cid).catch(() => [])).some((m) => m.state === "invited");
}

/** Every member of `anchor`'s roster sees that roster, no invitee left, and the same head epoch. */
export async function convergedAround(w: ReturnType<typeof setup>, anchor: Peer, cid: string): Promise<boolean> {
  const roster = await rosterOf(anchor, cid);
  const head = (await anchor.client.groupInfo(cid)).epochId;
  for (const p of w.peers.filter((q) => roster.includes(key(q)))) {
    if ((await rosterOf(p, cid)).join() !== roster.join() || (await invited(p, cid))) return false;
    const info = await p.client.groupInfo(cid).catch(() => undefined);
    if (info?.status !== "active" || info.epochId !== head) return false;
  }
  return true;
}

/** The delivery states `p` was told for one of its messages, with their virtual times. */
export function deliveries(p: Peer, messageId: string): { state: string; at: number }[] {
  return p.events.flatMap((e, i) =>
    e.type === "delivery-state" && e.messageId === messageId ? [{ state: e.state, at: p.times[i]! }] : [],
  );
}

/** Links `device` to the account of `primary` (the list handed over as linking does, after its words). */
export async function linkDevice(w: ReturnType<typeof setup>, primary: Peer, device: Peer): Promise<void> {
  await w.connect(primary, device);
  const key = Uint8Array.from(device.client.installationKey.match(/../g)!.map((b) => Number.parseInt(b, 16)));
  await device.client.account.adoptList(await primary.client.account.addDevice(key, device.name));
}

/**
 * Every device of `ps` has exactly `want` in its head roster of the AccountDirectV1 conversation `cid`: what it
 * sends now reaches them all (docs/GROUPS.md §3, "Not a gap").
 */
export async function seesAccountRoster(ps: Peer[], cid: string, want = ps): Promise<boolean> {
  const keys = want.map((p) => p.client.installationKey).sort();
  for (const p of ps) {
    const roster = await p.client.account.members(cid).catch(() => []);
    const have = roster.filter((m) => m.state !== "invited").map((m) => m.peer);
    if (have.sort().join() !== keys.join()) return false;
  }
  return true;
}

/** Every device of `ps` has `ps` as its roster and the same head epoch: the conversation did not fork. */
export async function accountConverged(ps: Peer[], cid: string): Promise<boolean> {
  if (!(await seesAccountRoster(ps, cid))) return false;
  const ids = await Promise.all(ps.map(async (p) => (await p.client.account.conversationInfo(cid)).epochId));
  return ids.every((id) => id === ids[0]);
}

/** Each device sends one text; each reaches every other device, then exactly once after a while. */
export async function exchange(
  w: ReturnType<typeof setup>,
  devices: Peer[],
  cid: string,
  round: string,
): Promise<void> {
  const texts = (p: Peer) => groupMessages(p, cid).map((m) => (m.content as { text: string }).text);
  for (const d of devices) await d.client.send(cid, `${round} ${d.name}`);
  const want = (d: Peer) => devices.filter((o) => o !== d).map((o) => `${round} ${o.name}`);
  await w.until(`${round}: every device reads every other`, () =>
    devices.every((d) => want(d).every((t) => texts(d).includes(t))),
  );
  await w.run(10_000);
  for (const d of devices) for (const t of want(d)) expect(texts(d).filter((x) => x === t)).toHaveLength(1);
}
