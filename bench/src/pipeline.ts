/**
 * PrivateV1 below the Client: the conversation pipeline a Signal session is comparable to. The sender runs
 * the engine (content → PrivateV1Frame → segmentation → SDS → Double Ratchet), encodes its next state and
 * commits it to a MemoryStore, then seals the envelope (salted hint); the receiver classifies the envelope
 * (hint match, ratchet decrypt, SDS, reassembly) and commits the writes the decoder hands back. What the Client
 * adds on top (message history, delivery states, events) is measured separately by the Client candidate.
 *
 * Like the Client, each party keeps the states it committed decoded in memory (the store holds the bytes),
 * so a step encodes its state but never decodes it.
 */
import {
  ContentCodecs,
  type ConversationRef,
  type CryptoProvider,
  PRIVATE_V1,
  Registry,
  text as textContent,
} from "@parley/core";
import {
  Decoder,
  type PrivateV1Engine,
  type PrivateV1State,
  privateV1,
  sealEnvelope,
  stateWriteOp,
} from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore, seededRandom } from "@parley/core/testing";

type Wire = { topic: string; payload: Uint8Array };

class Party {
  readonly store = new MemoryStore();
  readonly decoder: Decoder;
  readonly engine: PrivateV1Engine;
  /** Decoded states by the bytes that were committed for them (the Client's write-through cache, in small). */
  readonly #decoded = new WeakMap<Uint8Array, PrivateV1State>();
  readonly #committed = new Map<string, Uint8Array>();
  now = 1_700_000_000_000;

  constructor(
    readonly crypto: CryptoProvider,
    readonly ref: ConversationRef,
    state: PrivateV1State,
  ) {
    this.engine = privateV1.engine(crypto);
    const registry = new Registry();
    registry.register({
      ...privateV1,
      decodeState: (bytes: Uint8Array) => this.#decoded.get(bytes) ?? privateV1.decodeState(bytes),
      encodeState: (s: PrivateV1State) => this.#encode(s),
    });
    const clock = { now: () => this.now, setTimer: () => ({ cancel() {} }) };
    this.decoder = new Decoder({
      registry,
      crypto,
      store: this.store,
      clock,
      loadState: async (r) => this.#committed.get(r.id),
    });
    this.decoder.index.add(ref);
    this.#committed.set(ref.id, this.#encode(state));
  }

  #encode(state: PrivateV1State): Uint8Array {
    const bytes = privateV1.encodeState(state);
    this.#decoded.set(bytes, state);
    return bytes;
  }

  get state(): PrivateV1State {
    return this.#decoded.get(this.#committed.get(this.ref.id)!)!;
  }

  /** The step's next state is committed first; only then are its envelopes sealed (what goes on the wire). */
  async #commitAndSeal(r: Pick<ReturnType<PrivateV1Engine["sweep"]>, "state" | "outgoing">): Promise<Wire[]> {
    await this.#commitState(this.#encode(r.state));
    return r.outgoing.map((o) => ({
      topic: o.contentTopic,
      payload: sealEnvelope({
        crypto: this.crypto,
        random: (n) => this.crypto.randomBytes(n),
        conversationId: o.conversationHint,
        payload: o.payload,
      }),
    }));
  }

  async #commitState(bytes: Uint8Array): Promise<void> {
    await this.store.commit([stateWriteOp(this.ref, bytes)]);
    this.#committed.set(this.ref.id, bytes);
  }

  /** Engine step, state committed, then envelopes sealed: what goes on the wire. */
  async send(content: Uint8Array): Promise<Wire[]> {
    return this.#commitAndSeal(this.engine.send(this.state, { case: "content", value: content }, this.now));
  }

  /** Acknowledgements (SDS sync) when due. */
  async sweep(): Promise<Wire[]> {
    return this.#commitAndSeal(this.engine.sweep(this.state, this.now));
  }

  /** Classify and commit; returns how many content frames reached the application. */
  async receive(w: Wire): Promise<number> {
    const c = await this.decoder.classify(w.payload, w.topic);
    if (c.kind !== "readable") throw new Error(`pipeline: ${c.kind}${"reason" in c ? ` ${c.reason}` : ""}`);
    await this.store.commit(c.writes);
    const put = c.writes.find((op) => op.op === "put" && op.key.endsWith(this.ref.id));
    if (put?.op === "put") this.#committed.set(this.ref.id, put.value);
    return (c.frame as { frames: readonly { body: { case?: string } }[] }).frames.filter(
      (f) => f.body.case === "content",
    ).length;
  }
}

export interface PipelinePair {
  readonly alice: Party;
  readonly bob: Party;
  readonly content: Uint8Array;
}

/** Both ends of a fresh session, from the secret and keys an InboxV1 handshake would have produced. */
export function sessionStates(
  crypto: CryptoProvider,
  engine: PrivateV1Engine,
  now: number,
): { alice: PrivateV1State; bob: PrivateV1State } {
  const sk = crypto.randomBytes(32);
  const bundle = crypto.x25519GenerateKeyPair();
  const a = crypto.x25519GenerateKeyPair().publicKey;
  const b = crypto.x25519GenerateKeyPair().publicKey;
  return { alice: engine.initiator(sk, bundle.publicKey, a, b, now), bob: engine.responder(sk, bundle, b, a, now) };
}

/** Two parties with an established session (the first message and its reply already exchanged). */
export async function pipelinePair(seed: string, textBytes: number): Promise<PipelinePair> {
  const crypto = new NodeCryptoProvider({ random: seededRandom(seed) });
  const { alice: sa, bob: sb } = sessionStates(crypto, privateV1.engine(crypto), 1_700_000_000_000);
  const ref = (s: PrivateV1State): ConversationRef => ({
    id: s.localId,
    type: PRIVATE_V1,
    contentTopic: s.contentTopic,
  });
  const alice = new Party(crypto, ref(sa), sa);
  const bob = new Party(crypto, ref(sb), sb);
  const content = new ContentCodecs().encode(textContent("x".repeat(textBytes)));
  for (const w of await alice.send(content)) await bob.receive(w);
  for (const w of await bob.send(content)) await alice.receive(w);
  return { alice, bob, content };
}

/** One message alice → bob; every 32 messages bob acknowledges (as the Client candidate does). */
export function pipelineOneWay(p: PipelinePair): () => Promise<void> {
  let n = 0;
  return async () => {
    let delivered = 0;
    for (const w of await p.alice.send(p.content)) delivered += await p.bob.receive(w);
    if (delivered !== 1) throw new Error("pipeline: message not delivered exactly once");
    if (++n % 32 === 0) {
      p.alice.now += 2_000;
      p.bob.now += 2_000;
      for (const w of await p.bob.sweep()) await p.alice.receive(w);
    }
  };
}

/** alice → bob, bob → alice: a DH ratchet step on each message. */
export function pipelinePingPong(p: PipelinePair): () => Promise<void> {
  return async () => {
    for (const w of await p.alice.send(p.content)) await p.bob.receive(w);
    for (const w of await p.bob.send(p.content)) await p.alice.receive(w);
  };
}
