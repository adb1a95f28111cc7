/**
 * GroupV1 next to raw ts-mls doing the same MLS operations in the same run, at 10 and 100 members:
 *   - create: a group with all its members added in one commit (Parley also checks every key package and
 *     credential binding, and writes the whole state into a MemoryStore transaction);
 *   - add: one member added to the existing group (one commit);
 *   - send + receive: one application message encrypted by a member and processed by one other member
 *     (the per-member cost of a group message; Parley adds SDS framing, the envelope, the fork-choice
 *     bookkeeping and a store transaction on each side). These transactions are committed, as a client's
 *     are, so whatever the group record accumulates per message (the outbox) is paid for; the rows give the
 *     sender's stored bytes after the run. Raw ts-mls is shown twice: in memory only, and encoding both
 *     states with `encodeGroupState` after every message (what it costs to persist; the fair peer).
 * Both sides use suite 3 (X25519, ChaCha20-Poly1305, SHA-256, Ed25519) on ts-mls's noble provider; Parley's
 * own hashing and XEdDSA run on node:crypto. Create and add run in transactions that are dropped afterwards,
 * so every repetition starts from the same stored state (the engine never mutates stored state by itself).
 * GroupV1 runs hash, KDF and signatures on its CryptoProvider (suite.ts, `mlsCrypto: "provider"`); the rows also
 * give it on ts-mls's own crypto (`mlsCrypto: "noble"`, what it used before) and raw ts-mls on GroupV1's suite,
 * which isolates what GroupV1 adds around the same MLS operations.
 * Ratios are Parley ÷ raw in operations per second (below 1: Parley is slower).
 */
import { systemClock } from "@parley/core";
import { type GroupEffect, GroupV1Engine, providerSuite, Transaction } from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import * as wire from "@parley/core/wire";
import {
  type CiphersuiteImpl,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  nobleCryptoProvider,
  type PrivateKeyPackage,
  processPrivateMessage,
} from "ts-mls";
import { median, type Row, type Section } from "./harness.js";

const crypto = new NodeCryptoProvider();
/** Messages exchanged before the timed ones, on both sides. */
const WARM_UP = 4;

async function time(fn: () => Promise<unknown>, reps: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

// ---------- Parley ----------

interface Party {
  engine: GroupV1Engine;
  store: MemoryStore;
}

type Backend = "provider" | "noble";

async function party(mlsCrypto: Backend = "provider"): Promise<Party> {
  const identity = crypto.x25519GenerateKeyPair();
  const engine = await GroupV1Engine.create({ crypto, identity, clock: systemClock, mlsCrypto });
  return { engine, store: new MemoryStore() };
}

async function keyPackage(p: Party): Promise<Uint8Array> {
  const tx = new Transaction(p.store);
  const kp = await p.engine.createKeyPackage(tx);
  await tx.commit();
  return kp;
}

/** The GroupV1Message inside the envelope a step published (the group benches feed it to the other members). */
export function groupMessage(effects: readonly GroupEffect[]): Uint8Array {
  const pub = effects.find((e) => e.kind === "publish");
  if (pub?.kind !== "publish") throw new Error("nothing published");
  return envelopeGroupMessage(pub.payload);
}

/** The GroupV1Message inside a published envelope. */
export function envelopeGroupMessage(envelope: Uint8Array): Uint8Array {
  const env = wire.fromBinary(wire.EnvelopeV1Schema, envelope);
  const enc = wire.fromBinary(wire.EncryptedPayloadSchema, env.payload);
  if (enc.encryption.case !== "plaintext") throw new Error("unexpected arm");
  return enc.encryption.value.payload;
}

async function parley(n: number, reps: number, backend: Backend = "provider") {
  const creator = await party(backend);
  const others: Party[] = [];
  for (let i = 1; i < n; i++) others.push(await party(backend));
  const kps = await Promise.all(others.map(keyPackage));
  const create = await time(async () => {
    await creator.engine.createGroup(new Transaction(creator.store), { keyPackages: kps });
  }, reps);
  const tx = new Transaction(creator.store);
  const { conversationId: cid, effects } = await creator.engine.createGroup(tx, { keyPackages: kps });
  await tx.commit();
  // One receiver joins by its Welcome; the other invitees never need to for these measurements.
  const receiver = others[0]!;
  const welcome = effects.find((e) => e.kind === "control" && e.to === receiver.engine.self);
  if (welcome?.kind !== "control") throw new Error("no welcome");
  const rtx = new Transaction(receiver.store);
  await receiver.engine.receiveControl(rtx, creator.engine.self, welcome.frame);
  await rtx.commit();
  const joiner = await party(backend);
  const joinerKp = await keyPackage(joiner);
  const add = await time(async () => {
    await creator.engine.addMembers(new Transaction(creator.store), cid, [joinerKp]);
  }, reps);
  const content = new Uint8Array(256);
  const sends: number[] = [];
  const exchange = async () => {
    const t = performance.now();
    const stx = new Transaction(creator.store);
    const sent = await creator.engine.send(stx, cid, content);
    await stx.commit();
    sends.push(performance.now() - t);
    const rtx = new Transaction(receiver.store);
    const out = await receiver.engine.receive(rtx, cid, groupMessage(sent.effects));
    await rtx.commit();
    if (!out.some((e) => e.kind === "message")) throw new Error("not delivered");
  };
  // A warm-up as raw's below, so neither side is timed while its code is still being compiled.
  for (let i = 0; i < WARM_UP; i++) await exchange();
  sends.length = 0;
  const cpu0 = process.cpuUsage();
  const receive = await time(exchange, reps * 4);
  const cpu = cpuMs(process.cpuUsage(cpu0)) / (reps * 4);
  return { create, add, sendReceive: receive, cpu, send: median(sends), senderBytes: storedBytes(creator.store) };
}

/** Process CPU time (user + system, every thread) in ms: what a loaded machine does not inflate, unlike wall time. */
function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function storedBytes(store: MemoryStore): number {
  let n = 0;
  for (const space of store.snapshot().values()) for (const [key, value] of space) n += key.length + value.length;
  return n;
}

// ---------- raw ts-mls ----------

async function rawKp(cs: CiphersuiteImpl, name: string) {
  const cred = { credentialType: "basic" as const, identity: new TextEncoder().encode(name.padEnd(32, "_")) };
  return generateKeyPackage(cred, defaultCapabilities(), defaultLifetime, [], cs);
}

/** `ours`: ts-mls on GroupV1's suite (hash, KDF and signatures on the CryptoProvider), the fair peer of its default. */
async function raw(n: number, reps: number, ours = false) {
  const stock = await getCiphersuiteImpl(
    getCiphersuiteFromName("MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519"),
    nobleCryptoProvider,
  );
  const cs = ours ? providerSuite(stock, crypto) : stock;
  const creatorKp = await rawKp(cs, "creator");
  const kps: { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }[] = [];
  for (let i = 1; i < n; i++) kps.push(await rawKp(cs, `m${i}`));
  const adds = kps.map((k) => ({ proposalType: "add" as const, add: { keyPackage: k.publicPackage } }));
  const build = async () => {
    const g = await createGroup(crypto.randomBytes(16), creatorKp.publicPackage, creatorKp.privatePackage, [], cs);
    return createCommit({ state: g, cipherSuite: cs }, { extraProposals: adds, ratchetTreeExtension: true });
  };
  const create = await time(build, reps);
  const built = await build();
  const state: ClientState = built.newState;
  const receiverState = await joinGroup(
    built.welcome!,
    kps[0]!.publicPackage,
    kps[0]!.privatePackage,
    emptyPskIndex,
    cs,
  );
  const joiner = await rawKp(cs, "joiner");
  const add = await time(
    () =>
      createCommit(
        { state, cipherSuite: cs },
        {
          extraProposals: [{ proposalType: "add", add: { keyPackage: joiner.publicPackage } }],
          ratchetTreeExtension: true,
        },
      ),
    reps,
  );
  let sender = state;
  let recv = receiverState;
  const content = new Uint8Array(256);
  let encoded = 0;
  const exchange = (persist: boolean) => async () => {
    const m = await createApplicationMessage(sender, content, cs);
    sender = m.newState;
    if (persist) encoded = encodeGroupState(sender).length;
    const r = await processPrivateMessage(recv, m.privateMessage, emptyPskIndex, cs);
    recv = r.newState;
    if (persist) encodeGroupState(recv);
  };
  // Alternate the two forms, after a warm-up, so both see the same JIT state and machine load.
  for (let i = 0; i < WARM_UP; i++) await exchange(true)();
  const plain: number[] = [];
  const persisted: number[] = [];
  let cpu = 0;
  for (let i = 0; i < reps * 4; i++) {
    plain.push(await time(exchange(false), 1));
    const c = process.cpuUsage();
    persisted.push(await time(exchange(true), 1));
    cpu += cpuMs(process.cpuUsage(c));
  }
  const sendReceive = median(plain);
  const sendReceiveEncoded = median(persisted);
  return { create, add, sendReceive, sendReceiveEncoded, cpuEncoded: cpu / (reps * 4), encoded };
}

export const groupSection: Section = async () => {
  const rows: Row[] = [];
  for (const n of [10, 100]) {
    const reps = n >= 100 ? 3 : 5;
    // Interleave so both sides see the same machine conditions.
    const r1 = await raw(n, reps);
    const p = await parley(n, reps);
    const stockParley = await parley(n, reps, "noble");
    const same = await raw(n, reps, true);
    const r2 = await raw(n, reps);
    const r = {
      create: Math.min(r1.create, r2.create),
      add: Math.min(r1.add, r2.add),
      sendReceive: Math.min(r1.sendReceive, r2.sendReceive),
      sendReceiveEncoded: Math.min(r1.sendReceiveEncoded, r2.sendReceiveEncoded),
    };
    const row = (name: string, parleyMs: number, rawMs: number): Row => ({
      name: `${name}, ${n} members`,
      value: parleyMs,
      unit: "ms",
      ratio: rawMs / parleyMs,
      baseline: `raw ts-mls ${rawMs.toFixed(2)} ms`,
    });
    rows.push(row("create (one commit adding all)", p.create, r.create));
    rows.push(row("add one member", p.add, r.add));
    rows.push(row("send + receive, per member", p.sendReceive, r.sendReceive));
    rows.push({
      ...row("send + receive, per member, vs raw encoding its states", p.sendReceive, r.sendReceiveEncoded),
      baseline: `raw ts-mls + encodeGroupState ${r.sendReceiveEncoded.toFixed(2)} ms`,
    });
    rows.push({
      ...row(
        "send + receive, per member, on ts-mls's own crypto (mlsCrypto noble)",
        stockParley.sendReceive,
        r.sendReceive,
      ),
      baseline: `raw ts-mls ${r.sendReceive.toFixed(2)} ms`,
    });
    rows.push({
      ...row(
        "send + receive, per member, vs raw on the same suite encoding its states",
        p.sendReceive,
        same.sendReceiveEncoded,
      ),
      baseline: `raw ts-mls on GroupV1's suite + encodeGroupState ${same.sendReceiveEncoded.toFixed(2)} ms`,
    });
    // CPU time per send + receive (raw: encoding both states), each row against raw ts-mls on its stock suite.
    const rawCpu = Math.min(r1.cpuEncoded, r2.cpuEncoded);
    for (const [label, ms, base, baseName] of [
      ["GroupV1", p.cpu, rawCpu, "raw ts-mls + encodeGroupState"],
      ["GroupV1 on ts-mls's own crypto", stockParley.cpu, rawCpu, "raw ts-mls + encodeGroupState"],
      ["GroupV1 vs raw on the same suite", p.cpu, same.cpuEncoded, "raw ts-mls on GroupV1's suite + encodeGroupState"],
    ] as const)
      rows.push({
        name: `send + receive CPU ms, ${label}, ${n} members`,
        value: ms,
        unit: "ms CPU",
        ratio: base / ms,
        baseline: `${baseName} ${base.toFixed(2)} ms CPU`,
      });
    rows.push({ name: `  of which send, ${n} members`, value: p.send, unit: "ms" });
    rows.push({
      name: `  sender's stored bytes after ${reps * 4 + WARM_UP} messages, ${n} members`,
      value: p.senderBytes,
      unit: "B",
      ratio: p.senderBytes / r1.encoded,
      baseline: `raw ts-mls encoded state ${r1.encoded} B`,
    });
  }
  return {
    section: "group",
    rows,
    notes: [
      "Ratio = raw ts-mls time / Parley time (ops/s ratio): below 1 means Parley is slower.",
      "Parley includes key-package and credential-binding checks, state persistence (MemoryStore transaction), " +
        "SDS framing, envelope and fork-choice bookkeeping.",
    ],
  };
};
