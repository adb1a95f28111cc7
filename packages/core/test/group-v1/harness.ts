/**
 * A test router for GroupV1 engines: applies their effects over an in-test network that can deliver in any
 * (seeded) order, drop, duplicate, take members offline and serve history; pairwise control frames go
 * member to member (standing in for the PrivateV1 conversations the Client will use).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { type Clock, type Store, toHex } from "@parley/core";
import { Transaction } from "@parley/core/internals";
import { type GroupEffect, GroupV1Engine, type GroupV1Options } from "../../src/conversations/group-v1/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { saltedHint } from "../../src/framework/hints.js";
import { EncryptedPayloadSchema } from "../../src/wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../src/wire/gen/logoschat/envelope/envelope_pb.js";

export const crypto = new NodeCryptoProvider();

export class TestClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  setTimer(): { cancel(): void } {
    return { cancel() {} };
  }
}

/** A tiny Store for tests (the framework's MemoryStore is used where it exists). */
export class MapStore implements Store {
  readonly data = new Map<string, Uint8Array>();
  async get(ns: string, key: string) {
    return this.data.get(`${ns}\u0000${key}`);
  }
  async scan(ns: string, options: { prefix?: string } = {}) {
    const out: { key: string; value: Uint8Array }[] = [];
    for (const [k, value] of this.data) {
      const [n, key] = k.split("\u0000") as [string, string];
      if (n === ns && (!options.prefix || key.startsWith(options.prefix))) out.push({ key, value });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  async commit(ops: readonly { op: string; ns: string; key: string; value?: Uint8Array }[]) {
    for (const o of ops)
      if (o.op === "put") this.data.set(`${o.ns}\u0000${o.key}`, o.value!);
      else this.data.delete(`${o.ns}\u0000${o.key}`);
  }
  async close() {}
}

/** Seeded PRNG (mulberry32) for delivery order and faults. */
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

export interface Delivered {
  readonly conversationId: string;
  readonly messageId: string;
  readonly sender: string;
  readonly text: string;
}

type Pending =
  | { kind: "topic"; to: Member; topic: string; payload: Uint8Array }
  | { kind: "control"; to: Member; from: string; frame: Uint8Array };

export class Member {
  readonly inbox: Delivered[] = [];
  readonly events: GroupEffect[] = [];
  readonly topics = new Set<string>();
  online = true;
  engine!: GroupV1Engine;
  readonly identity: string;

  constructor(
    readonly net: Net,
    readonly name: string,
    readonly keys: { publicKey: Uint8Array; secretKey: Uint8Array },
    public store: Store,
  ) {
    this.identity = toHex(keys.publicKey);
  }

  async start(options: Partial<GroupV1Options> = {}): Promise<void> {
    this.engine = await GroupV1Engine.create({
      crypto,
      identity: this.keys,
      clock: this.net.clock,
      ...this.net.engineOptions,
      ...options,
    });
  }

  /** Runs one engine step in a transaction, commits it, then routes the effects. */
  async step<T>(fn: (tx: Transaction) => Promise<T>, effectsOf: (r: T) => GroupEffect[]): Promise<T> {
    const tx = new Transaction(this.store);
    const r = await fn(tx);
    await tx.commit();
    this.net.route(this, effectsOf(r));
    return r;
  }

  async run(fn: (tx: Transaction) => Promise<GroupEffect[]>): Promise<GroupEffect[]> {
    return this.step(fn, (e) => e);
  }

  async onTopic(topic: string, payload: Uint8Array): Promise<void> {
    let env: ReturnType<typeof fromBinary<typeof EnvelopeV1Schema>>;
    try {
      env = fromBinary(EnvelopeV1Schema, payload);
    } catch {
      return;
    }
    const groups = await this.engine.listGroups(new Transaction(this.store));
    for (const cid of groups) {
      if (this.engine.contentTopic(cid) !== topic) continue;
      if (env.conversationHint !== saltedHint(crypto, env.salt, cid) && env.conversationHint !== cid) continue;
      const enc = fromBinary(EncryptedPayloadSchema, env.payload);
      if (enc.encryption.case !== "plaintext") continue;
      const inner = enc.encryption.value.payload;
      await this.run((tx) => this.engine.receive(tx, cid, inner));
    }
  }

  text(conversationId?: string): string[] {
    return this.inbox.filter((d) => !conversationId || d.conversationId === conversationId).map((d) => d.text);
  }
}

export class Net {
  readonly clock = new TestClock();
  readonly members: Member[] = [];
  readonly history = new Map<string, Uint8Array[]>();
  queue: Pending[] = [];
  rand: () => number;
  drop = 0;
  duplicate = 0;
  historyEnabled = true;
  /** Pairs ("a|b", identities, either order) without a pairwise conversation: control between them is lost. */
  readonly unpaired = new Set<string>();
  rejected: GroupEffect[] = [];

  constructor(
    seed: number,
    readonly engineOptions: Partial<GroupV1Options> = {},
  ) {
    this.rand = prng(seed);
  }

  async addMember(name: string): Promise<Member> {
    const keys = crypto.x25519GenerateKeyPair();
    const m = new Member(this, name, keys, new MapStore());
    await m.start();
    this.members.push(m);
    return m;
  }

  byIdentity(identity: string): Member | undefined {
    return this.members.find((m) => m.identity === identity);
  }

  route(from: Member, effects: GroupEffect[]): void {
    for (const e of effects) {
      from.events.push(e);
      switch (e.kind) {
        case "publish": {
          const h = this.history.get(e.contentTopic) ?? [];
          h.push(e.payload);
          this.history.set(e.contentTopic, h);
          for (const m of this.members)
            if (m !== from && m.online && m.topics.has(e.contentTopic)) this.enqueue(m, e.contentTopic, e.payload);
          break;
        }
        case "control": {
          const to = this.byIdentity(e.to);
          if (this.unpaired.has(`${from.identity}|${e.to}`) || this.unpaired.has(`${e.to}|${from.identity}`)) break;
          if (to) this.queue.push({ kind: "control", to, from: from.identity, frame: e.frame });
          break;
        }
        case "subscribe":
        case "joined":
          from.topics.add(e.contentTopic);
          break;
        case "message":
          from.inbox.push({
            conversationId: e.conversationId,
            messageId: e.messageId,
            sender: e.sender,
            text: new TextDecoder().decode(e.content),
          });
          break;
        case "fetch-history":
          if (this.historyEnabled)
            for (const p of this.history.get(e.contentTopic) ?? [])
              this.queue.push({ kind: "topic", to: from, topic: e.contentTopic, payload: p });
          break;
        case "rejected":
          this.rejected.push(e);
          break;
        default:
          break;
      }
    }
  }

  private enqueue(m: Member, topic: string, payload: Uint8Array): void {
    if (this.rand() < this.drop) return;
    this.queue.push({ kind: "topic", to: m, topic, payload });
    if (this.rand() < this.duplicate) this.queue.push({ kind: "topic", to: m, topic, payload });
  }

  /** Delivers queued items one at a time, in a seeded random order (or FIFO), until the queue is empty. */
  async settle(options: { random?: boolean; max?: number } = {}): Promise<number> {
    const random = options.random ?? true;
    let n = 0;
    while (this.queue.length > 0) {
      if (n++ > (options.max ?? 200_000)) throw new Error("network did not settle");
      const i = random ? Math.floor(this.rand() * this.queue.length) : 0;
      const [item] = this.queue.splice(i, 1);
      if (!item?.to.online) continue;
      if (item.kind === "topic") await item.to.onTopic(item.topic, item.payload);
      else await item.to.run((tx) => item.to.engine.receiveControl(tx, item.from, item.frame));
    }
    return n;
  }

  /** Advances time and runs every member's timers until nothing is left to do. */
  async tickAll(ms: number, rounds = 3): Promise<void> {
    for (let r = 0; r < rounds; r++) {
      this.clock.t += ms;
      for (const m of this.members) if (m.online) await m.run((tx) => m.engine.tick(tx));
      await this.settle();
    }
  }
}

/** Everything that must agree across members of a converged group. */
export async function view(m: Member, cid: string) {
  const tx = new Transaction(m.store);
  const s = await m.engine.summary(tx, cid);
  const members = (await m.engine.members(tx, cid)).map((x) => x.identity).sort();
  return { status: s.status, epoch: s.epoch, epochId: s.epochId, members, name: s.name };
}

/** A fresh key package of `m`, committed to its store. */
export async function keyPackage(m: Member): Promise<Uint8Array> {
  const tx = new Transaction(m.store);
  const kp = await m.engine.createKeyPackage(tx);
  await tx.commit();
  return kp;
}

export async function sendText(m: Member, cid: string, text: string): Promise<string> {
  const r = await m.step(
    (tx) => m.engine.send(tx, cid, new TextEncoder().encode(text)),
    (x) => x.effects,
  );
  return r.messageId;
}

export async function createGroup(creator: Member, others: Member[], name = "g"): Promise<string> {
  const kps: Uint8Array[] = [];
  for (const o of others) {
    const tx = new Transaction(o.store);
    kps.push(await o.engine.createKeyPackage(tx));
    await tx.commit();
  }
  const r = await creator.step(
    (tx) => creator.engine.createGroup(tx, { name, keyPackages: kps }),
    (x) => x.effects,
  );
  return r.conversationId;
}
