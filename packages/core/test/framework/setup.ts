/** A decoder over a MemoryStore with the fixture types registered and a few conversations. */
import {
  type ConversationRef,
  type CryptoProvider,
  NobleCryptoProvider,
  type RandomSource,
  Registry,
  utf8,
} from "@parley/core";
import { conversationWriteOps, Decoder } from "@parley/core/internals";
import { MemoryStore, seededRandom, VirtualClock } from "@parley/core/testing";
import { inboxRuntime, sealedRuntime } from "./fixtures.js";

export const TOPIC_A = "/logos-chat/1/aaaaaaaaaaaaaaaa/proto";
export const TOPIC_B = "/logos-chat/1/bbbbbbbbbbbbbbbb/proto";
export const TOPIC_C = "/logos-chat/1/cccccccccccccccc/proto";

export interface Conv {
  readonly ref: ConversationRef;
  readonly key: Uint8Array;
}

export interface World {
  readonly crypto: CryptoProvider;
  readonly random: RandomSource;
  readonly store: MemoryStore;
  readonly registry: Registry;
  readonly decoder: Decoder;
  readonly convs: Conv[];
  readonly inbox: ConversationRef;
  readonly clock: VirtualClock;
}

export async function makeWorld(seed: string, crypto?: CryptoProvider): Promise<World> {
  const random = seededRandom(`${seed}/test`);
  const c = crypto ?? new NobleCryptoProvider({ random: seededRandom(`${seed}/crypto`) });
  const store = new MemoryStore();
  const registry = new Registry();
  registry.register(sealedRuntime);
  registry.register(inboxRuntime);
  const clock = new VirtualClock();
  const decoder = new Decoder({ registry, crypto: c, store, clock });
  const convs: Conv[] = [];
  const layout: [string, string][] = [
    ["conv-a1", TOPIC_A],
    ["conv-a2", TOPIC_A],
    ["conv-a3", TOPIC_A],
    ["conv-b1", TOPIC_B],
  ];
  for (const [id, topic] of layout) {
    const ref = { id, type: "SealedTestV1", contentTopic: topic };
    const key = random(32);
    await store.commit(conversationWriteOps(ref, sealedRuntime.encodeState({ key, received: 0, seen: [] })));
    decoder.index.add(ref);
    convs.push({ ref, key });
  }
  const inbox = { id: "inbox-1", type: "TestInboxV1", contentTopic: TOPIC_B };
  await store.commit(conversationWriteOps(inbox, inboxRuntime.encodeState({ opened: 0 })));
  decoder.index.add(inbox);
  return { crypto: c, random, store, registry, decoder, convs, inbox, clock };
}

export function inviteBytes(arm: string, invite: unknown): Uint8Array {
  return utf8(JSON.stringify({ arm, invite }));
}
