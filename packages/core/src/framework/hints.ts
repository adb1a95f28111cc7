/**
 * Conversation hints. A sent hint is salted so two messages of one conversation carry unrelated hints:
 * `lower_hex(BLAKE2s-256(u64be(salt) || utf8(conversation_id)))`, with a random uint64 salt per message.
 * A receiver also accepts a hint equal to a raw conversation id (what libchat sends, with salt 0).
 *
 * `HintIndex` keeps the known conversations per content topic, so checking a hint costs one map lookup
 * plus one BLAKE2s per conversation on THAT topic, never a pass over every conversation.
 */
import { fromHex, toHex, u64be, utf8 } from "../base/bytes.js";
import { digestWords, HintHasher, saltWords } from "../crypto/hint-hash.js";
import type { CryptoProvider, RandomSource } from "../crypto/provider.js";
import type { ConversationRef, HintMatch } from "./runtime.js";

/** 32-byte BLAKE2s output as lower hex. */
export const SALTED_HINT_LENGTH = 64;
const SALTED_HINT = /^[0-9a-f]{64}$/;

export function saltedHint(crypto: CryptoProvider, salt: bigint, conversationId: string): string {
  const id = utf8(conversationId);
  const data = new Uint8Array(8 + id.length);
  data.set(u64be(salt), 0);
  data.set(id, 8);
  return toHex(crypto.blake2s256(data));
}

/** A uniformly random uint64 from the injected randomness. */
export function randomSalt(random: RandomSource): bigint {
  const b = random(8);
  if (b.length !== 8) throw new RangeError("random source returned the wrong length");
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false);
}

export function isSaltedHintFormat(hint: string): boolean {
  return SALTED_HINT.test(hint);
}

const NO_TYPES: ReadonlyMap<string, readonly ConversationRef[]> = new Map();

export interface HintCandidate {
  readonly conversation: ConversationRef;
  readonly match: HintMatch;
}

interface Entry {
  readonly ref: ConversationRef;
  /** BLAKE2s over u64be(salt) || utf8(id) with the id part laid out once (see crypto/hint-hash.ts). */
  readonly hasher: HintHasher;
}

interface TopicEntries {
  readonly all: Entry[];
  readonly byId: Map<string, Entry[]>;
  /** The conversations of each type on the topic (few types per topic: one or two). */
  readonly byType: Map<string, ConversationRef[]>;
}

export class HintIndex {
  readonly #topics = new Map<string, TopicEntries>();
  /** id -> number of refs with that id (over every topic and type). */
  readonly #ids = new Map<string, number>();
  #hashes = 0;
  #version = 0;

  /** Grows with every add and remove: a reader that saw this value has seen every conversation present now. */
  get version(): number {
    return this.#version;
  }

  /** Salted-hint hashes computed so far (shows the per-topic cost in tests). */
  get hashCount(): number {
    return this.#hashes;
  }

  /** Adds a conversation; adding the same (id, type, topic) twice is a no-op. */
  add(ref: ConversationRef): void {
    let t = this.#topics.get(ref.contentTopic);
    if (!t) {
      t = { all: [], byId: new Map(), byType: new Map() };
      this.#topics.set(ref.contentTopic, t);
    }
    const same = t.byId.get(ref.id);
    if (same?.some((e) => e.ref.type === ref.type)) return;
    const hasher = new HintHasher(utf8(ref.id));
    const entry: Entry = { ref: Object.freeze({ id: ref.id, type: ref.type, contentTopic: ref.contentTopic }), hasher };
    t.all.push(entry);
    if (same) same.push(entry);
    else t.byId.set(ref.id, [entry]);
    const ofType = t.byType.get(ref.type);
    if (ofType) ofType.push(entry.ref);
    else t.byType.set(ref.type, [entry.ref]);
    this.#ids.set(ref.id, (this.#ids.get(ref.id) ?? 0) + 1);
    this.#version++;
  }

  /** Removes a conversation from its topic. Returns whether it was present. */
  remove(ref: ConversationRef): boolean {
    const t = this.#topics.get(ref.contentTopic);
    const same = t?.byId.get(ref.id);
    const i = same?.findIndex((e) => e.ref.type === ref.type) ?? -1;
    if (!t || !same || i < 0) return false;
    const [entry] = same.splice(i, 1);
    if (same.length === 0) t.byId.delete(ref.id);
    t.all.splice(t.all.indexOf(entry!), 1);
    const ofType = t.byType.get(ref.type)!;
    ofType.splice(ofType.indexOf(entry!.ref), 1);
    if (ofType.length === 0) t.byType.delete(ref.type);
    if (t.all.length === 0) this.#topics.delete(ref.contentTopic);
    const n = (this.#ids.get(ref.id) ?? 1) - 1;
    if (n === 0) this.#ids.delete(ref.id);
    else this.#ids.set(ref.id, n);
    this.#version++;
    return true;
  }

  has(conversationId: string): boolean {
    return this.#ids.has(conversationId);
  }

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  conversationsOn(contentTopic: string): ConversationRef[] {
    return this.#topics.get(contentTopic)?.all.map((e) => e.ref) ?? [];
  }

  /** The conversations on `contentTopic`, by type (a map lookup: no pass over the conversations). */
  conversationsByType(contentTopic: string): ReadonlyMap<string, readonly ConversationRef[]> {
    return this.#topics.get(contentTopic)?.byType ?? NO_TYPES;
  }

  get size(): number {
    let n = 0;
    for (const t of this.#topics.values()) n += t.all.length;
    return n;
  }

  /**
   * The conversations on `contentTopic` the hint designates: those whose raw id equals it, then those whose
   * salted hint under `salt` equals it. Costs one BLAKE2s per conversation on that topic, at most.
   */
  match(contentTopic: string, hint: string, salt: bigint): HintCandidate[] {
    const t = this.#topics.get(contentTopic);
    if (!t) return [];
    const out: HintCandidate[] = [];
    for (const e of t.byId.get(hint) ?? []) out.push({ conversation: e.ref, match: { form: "raw", salt } });
    if (!isSaltedHintFormat(hint)) return out;
    const want = digestWords(fromHex(hint)!);
    const words = saltWords(salt);
    this.#hashes += t.all.length;
    for (const e of t.all) {
      if (e.hasher.matches(words, want)) out.push({ conversation: e.ref, match: { form: "salted", salt } });
    }
    return out;
  }
}
