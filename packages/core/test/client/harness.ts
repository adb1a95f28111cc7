import { VirtualClock } from "../../src/base/virtual-clock.js";
import { Client, type ClientEvent, type ClientOptions } from "../../src/client/index.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { type Faults, MemoryDelivery } from "../../src/framework/memory-delivery.js";
import { MemoryStore } from "../../src/framework/memory-store.js";

/** One simulated participant: its own store, endpoint, seeded crypto, and a log of its events. */
export interface Peer {
  readonly name: string;
  client: Client;
  readonly store: MemoryStore;
  readonly events: ClientEvent[];
  readonly options: ClientOptions;
  stop(): void;
}

export interface World {
  readonly clock: VirtualClock;
  readonly bus: MemoryDelivery;
  readonly crypto: NobleCryptoProvider;
  peer(name: string, config?: ClientOptions["config"]): Promise<Peer>;
  /** Advances virtual time in steps, letting every async handler settle. */
  run(ms: number, step?: number): Promise<void>;
  /** Closes and reopens a peer's client from the same store. */
  restart(peer: Peer): Promise<void>;
}

/** The crypto of one participant (and of the bus), from a seed label; noble unless a test needs speed. */
export type CryptoFor = (label: string) => CryptoProvider;
const nobleFor: CryptoFor = (label) => new NobleCryptoProvider({ random: seededRandom(label) });

export function world(seed: string, faults?: Faults, cryptoFor: CryptoFor = nobleFor): World {
  const clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  const crypto = cryptoFor(`${seed}/bus`) as NobleCryptoProvider;
  const bus = new MemoryDelivery({ clock, crypto, seed, faults, trace: false });
  const attach = (peer: Peer) => {
    const stop = peer.client.onEvent((e) => peer.events.push(e));
    (peer as { stop: () => void }).stop = stop;
  };
  return {
    clock,
    bus,
    crypto,
    async peer(name, config) {
      const store = new MemoryStore();
      const options: ClientOptions = {
        store,
        delivery: bus.endpoint(name),
        crypto: cryptoFor(`${seed}/${name}`),
        clock,
        random: seededRandom(`${seed}/${name}/salt`),
        ...(config !== undefined && { config }),
      };
      const client = await Client.create(options);
      const peer: Peer = { name, client, store, events: [], options, stop: () => {} };
      attach(peer);
      return peer;
    },
    async run(ms, step = 500) {
      for (let t = 0; t < ms; t += step) await clock.advanceAsync(Math.min(step, ms - t));
    },
    async restart(peer) {
      peer.stop();
      await peer.client.close();
      peer.client = await Client.open({ ...peer.options, delivery: bus.endpoint(peer.name) });
      attach(peer);
    },
  };
}

export function messages(peer: Peer, conversationId?: string): string[] {
  return peer.events
    .filter((e): e is Extract<ClientEvent, { type: "message" }> => e.type === "message")
    .filter((e) => conversationId === undefined || e.conversationId === conversationId)
    .map((e) => (e.content.kind === "text" ? (e.content as { text: string }).text : `<${e.content.kind}>`));
}

export function started(peer: Peer): Extract<ClientEvent, { type: "conversation-started" }>[] {
  return peer.events.filter(
    (e): e is Extract<ClientEvent, { type: "conversation-started" }> => e.type === "conversation-started",
  );
}

export function errors(peer: Peer): Extract<ClientEvent, { type: "error" }>[] {
  return peer.events.filter((e): e is Extract<ClientEvent, { type: "error" }> => e.type === "error");
}

/** Every message the bus carried on a topic, oldest first. */
export async function published(w: World, topic: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of w.bus.history({ contentTopics: [topic] })) out.push(m.payload);
  return out;
}

export function deliveryStates(peer: Peer, messageId: string): string[] {
  return peer.events
    .filter(
      (e): e is Extract<ClientEvent, { type: "delivery-state" }> =>
        e.type === "delivery-state" && e.messageId === messageId,
    )
    .map((e) => e.state);
}
