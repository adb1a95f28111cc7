/**
 * The GroupV1 curve of the `scaling` section: a 10-member group in which one member sends message after
 * message and one other member receives each, both committing every step to their Store, as a client does.
 * At each point N: median ms of the send step and of the receive step around message N, and the bytes
 * each side commits per step (a counting wrapper). Flat rows mean a step costs the same whatever came before.
 */
import { systemClock } from "@parley/core";
import { GroupV1Engine, Transaction } from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { CountingStore } from "./counting-store.js";
import { groupMessage } from "./group.js";
import { median, type Row } from "./harness.js";

const crypto = new NodeCryptoProvider();
const WINDOW = 20;

interface Member {
  engine: GroupV1Engine;
  store: CountingStore;
}

async function member(): Promise<Member> {
  const engine = await GroupV1Engine.create({ crypto, identity: crypto.x25519GenerateKeyPair(), clock: systemClock });
  return { engine, store: new CountingStore(new MemoryStore()) };
}

async function step<T>(m: Member, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const tx = new Transaction(m.store);
  const r = await fn(tx);
  await tx.commit();
  return r;
}

export interface Sample {
  send: number;
  receive: number;
  sendBytes: number;
  receiveBytes: number;
  /** Bytes of the envelope the sender published. */
  wireBytes: number;
}

/**
 * A `size`-member group whose creator sends and whose first invitee (the one that processed its Welcome)
 * receives: each call of the returned function is one message, both steps committed.
 */
export async function groupExchange(size: number): Promise<() => Promise<Sample>> {
  const sender = await member();
  const others: Member[] = [];
  for (let i = 1; i < size; i++) others.push(await member());
  const kps = await Promise.all(others.map((o) => step(o, (tx) => o.engine.createKeyPackage(tx))));
  const created = await step(sender, (tx) => sender.engine.createGroup(tx, { keyPackages: kps }));
  const cid = created.conversationId;
  const receiver = others[0]!;
  const welcome = created.effects.find((e) => e.kind === "control" && e.to === receiver.engine.self);
  if (welcome?.kind !== "control") throw new Error("no welcome");
  await step(receiver, (tx) => receiver.engine.receiveControl(tx, sender.engine.self, welcome.frame));
  const content = new Uint8Array(256);
  return async () => {
    const sBytes = sender.store.bytes;
    let t = performance.now();
    const out = await step(sender, (tx) => sender.engine.send(tx, cid, content));
    const send = performance.now() - t;
    const sendBytes = sender.store.bytes - sBytes;
    const rBytes = receiver.store.bytes;
    t = performance.now();
    const got = await step(receiver, (tx) => receiver.engine.receive(tx, cid, groupMessage(out.effects)));
    const receive = performance.now() - t;
    if (!got.some((e) => e.kind === "message")) throw new Error("not delivered");
    const pub = out.effects.find((e) => e.kind === "publish");
    const wireBytes = pub?.kind === "publish" ? pub.payload.length : 0;
    return { send, receive, sendBytes, receiveBytes: receiver.store.bytes - rBytes, wireBytes };
  };
}

/** Rows for a `size`-member group at each message number in `points` (the first point may be 1). */
export async function groupCurve(points: readonly number[], size = 10): Promise<Row[]> {
  const next = await groupExchange(size);
  let sent = 0;
  const exchange = async () => {
    sent++;
    return next();
  };
  const rows: Row[] = [];
  for (const n of points) {
    // The window is centred on message n (starting at message 1 for the first point).
    const start = Math.max(1, n - WINDOW / 2);
    while (sent + 1 < start) await exchange();
    const samples: Sample[] = [];
    for (let k = 0; k < WINDOW; k++) samples.push(await exchange());
    const label = `group ${size} members`;
    const avg = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0) / WINDOW;
    rows.push({ name: `${label}: send ms at ${n}`, value: median(samples.map((s) => s.send)), unit: "ms" });
    rows.push({ name: `${label}: receive ms at ${n}`, value: median(samples.map((s) => s.receive)), unit: "ms" });
    rows.push({ name: `${label}: send bytes written at ${n}`, value: avg((s) => s.sendBytes), unit: "B" });
    rows.push({ name: `${label}: receive bytes written at ${n}`, value: avg((s) => s.receiveBytes), unit: "B" });
  }
  return rows;
}
