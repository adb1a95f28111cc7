/**
 * What a Client really commits per message: the commits of one `send` on the sender and of one `ingest` on
 * the receiver, recorded from a Client pair after a warm-up (SDS window full, acks every 32 messages), so the
 * store benchmarks write real state sizes and keys instead of made-up ones.
 */
import type { ScanOptions, Store, StoreEntry, WriteOp } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { oneWay, parleyPair } from "./client-pair.js";

/** A MemoryStore that keeps a copy of every commit while `recording` is set. */
class RecordingStore implements Store {
  readonly inner = new MemoryStore();
  recording = false;
  readonly commits: WriteOp[][] = [];
  get(ns: string, key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(ns, key);
  }
  scan(ns: string, options?: ScanOptions): Promise<StoreEntry[]> {
    return this.inner.scan(ns, options);
  }
  commit(ops: readonly WriteOp[]): Promise<void> {
    if (this.recording) this.commits.push(ops.map((op) => (op.op === "put" ? { ...op, value: op.value.slice() } : op)));
    return this.inner.commit(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface ClientSteps {
  /** The sender's commits for one message, in order. */
  readonly send: readonly (readonly WriteOp[])[];
  /** The receiver's commits for one message, in order. */
  readonly receive: readonly (readonly WriteOp[])[];
}

export async function recordClientSteps(warmup = 1_100, body = "z".repeat(256)): Promise<ClientSteps> {
  const stores: Record<string, RecordingStore> = {};
  const p = await parleyPair({
    crypto: () => new NodeCryptoProvider(),
    store: (name) => {
      stores[name] = new RecordingStore();
      return stores[name];
    },
  });
  const step = oneWay(p, body);
  // Stop short of an ack so the recorded message is an ordinary one.
  const n = warmup - (warmup % 32) + 5;
  for (let i = 0; i < n; i++) await step();
  const alice = stores.alice!;
  const bob = stores.bob!;
  alice.recording = true;
  await p.alice.send(p.aConv, body);
  alice.recording = false;
  bob.recording = true;
  for (const m of p.aOut.take()) await p.bob.ingest(m.topic, m.payload);
  bob.recording = false;
  await p.alice.close();
  await p.bob.close();
  return { send: alice.commits, receive: bob.commits };
}

/** Bytes of keys and values in a list of commits. */
export function committedBytes(commits: readonly (readonly WriteOp[])[]): number {
  let n = 0;
  for (const ops of commits) {
    for (const op of ops) n += op.ns.length + op.key.length + (op.op === "put" ? op.value.length : 0);
  }
  return n;
}

/**
 * The recorded commits of one step made into step number `seq`: keys that name a message (history, indexes)
 * get the step number, so steps add records as a client's do, while the conversation's own records (state,
 * metadata) are overwritten.
 */
export function replayedStep(
  commits: readonly (readonly WriteOp[])[],
  seq: number,
  overwritten: (ns: string) => boolean,
): WriteOp[][] {
  return commits.map((ops) => ops.map((op) => (overwritten(op.ns) ? op : { ...op, key: `${op.key}#${seq}` })));
}
