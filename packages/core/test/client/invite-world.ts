/**
 * A world for invite tests: like harness.ts, on Node's native crypto so that floods of thousands of invites
 * (each from a fresh installation, each a full Noise handshake on both sides) stay within seconds.
 */
import { NodeCryptoProvider } from "@parley/core/node";
import { Client } from "../../src/client/index.js";
import { seededRandom } from "../../src/crypto/index.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { type World, world } from "./harness.js";

export function inviteWorld(seed: string): World {
  return world(seed, undefined, (label) => new NodeCryptoProvider({ random: seededRandom(label) }));
}

/**
 * `count` invites to `bundle`, each from a new installation (its own store), published through the bus from
 * one endpoint; each sender is closed at once (it never resends).
 */
export async function flood(w: World, bundle: string, count: number, seed: string): Promise<void> {
  const clock = w.clock;
  for (let i = 0; i < count; i++) {
    const sender = await Client.create({
      store: new MemoryStore(),
      delivery: w.bus.endpoint("mallory"),
      crypto: new NodeCryptoProvider({ random: seededRandom(`${seed}/${i}`) }),
      clock,
      autoSweep: false,
    });
    await sender.startConversation(bundle, `spam ${i}`);
    await sender.close();
  }
}

/** Bytes held by a MemoryStore: every key and value. */
export function storeBytes(store: MemoryStore): number {
  let n = 0;
  for (const [ns, space] of store.snapshot()) for (const [k, v] of space) n += ns.length + k.length + v.length;
  return n;
}

export function ofType<T extends ClientEvent["type"]>(peer: Peer, type: T): Extract<ClientEvent, { type: T }>[] {
  return peer.events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}
