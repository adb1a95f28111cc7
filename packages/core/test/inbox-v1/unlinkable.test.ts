/**
 * Only its recipient can link an invite (InboxV1 version 2, DESIGN §7). Several recipients share one inbox
 * topic (real installation keys whose 2-byte delivery addresses collide, found by a seeded search); an observer
 * holds every one of their intro bundles and sees every envelope on the topic.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/base/bytes.js";
import { Client } from "../../src/client/index.js";
import {
  inboxContentTopic,
  inboxConversationId,
  inviteId,
  inviteKeyRef,
  inviteSecret,
} from "../../src/conversations/inbox-v1/index.js";
import { decodeInboxState } from "../../src/conversations/inbox-v1/state.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../src/crypto/node.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import {
  decodeEncryptedPayload,
  decodeEnvelope,
  encodeEncryptedPayload,
  encodeEnvelope,
} from "../../src/framework/envelope.js";
import { saltedHint } from "../../src/framework/hints.js";
import { MemoryStore } from "../../src/framework/memory-store.js";
import { type IntroBundle, parseIntroBundle } from "../../src/identity/intro-bundle.js";
import { keyRef } from "../../src/identity/keys.js";
import { create, EncryptedPayloadSchema, type NoiseInboxHandshakeV2 } from "../../src/wire/index.js";
import { type Peer, published, started, world } from "../client/harness.js";
import { CountingCrypto } from "../support/counting-crypto.js";

const SEED = "unlinkable";
const RECIPIENTS = 3;
const INVITES = 60;
const crypto = new NobleCryptoProvider({ random: seededRandom(`${SEED}/test`) });

/**
 * Peer names whose installation keys (the first 32 random bytes of the harness's seeded crypto for that name)
 * fall on one inbox topic. Deterministic: the same names every run.
 */
function collidingNames(count: number): { names: string[]; topic: string } {
  const fast = new NodeCryptoProvider();
  const byTopic = new Map<string, string[]>();
  for (let i = 0; ; i++) {
    const name = `r${i}`;
    const publicKey = fast.x25519PublicKey(seededRandom(`${SEED}/${name}`)(32));
    const topic = inboxContentTopic(fast, publicKey);
    const names = [...(byTopic.get(topic) ?? []), name];
    if (names.length === count) return { names, topic };
    byTopic.set(topic, names);
  }
}

interface Invite {
  readonly to: number;
  readonly bytes: Uint8Array;
  readonly hint: string;
  readonly salt: bigint;
  readonly hs: NoiseInboxHandshakeV2;
}

function parseInvite(bytes: Uint8Array, to: number): Invite {
  const env = decodeEnvelope(bytes);
  if (!env.ok) throw new Error("envelope");
  const p = decodeEncryptedPayload(env.value.payload);
  if (!p.ok || p.value.encryption.case !== "noiseInboxHandshakeV2") throw new Error("not a version-2 invite");
  return { to, bytes, hint: env.value.conversationHint, salt: env.value.salt, hs: p.value.encryption.value };
}

/**
 * Every test an observer holding the bundles can run for "is this invite for that recipient" without a
 * recipient's secret: the version-1 addressing (the public inbox id's hint, the 'WAP' key reference) and
 * unkeyed hashes of the same public values.
 */
function observerTests(b: IntroBundle, x: Pick<Invite, "hint" | "salt" | "hs">): boolean[] {
  const inboxId = inboxConversationId(crypto, b.installationKey);
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const guessedId = toHex(crypto.blake2b(cat(x.hs.ephemeral, b.installationKey), { dkLen: 32 }));
  return [
    x.hint === inboxId || x.hint === saltedHint(crypto, x.salt, inboxId),
    toHex(x.hs.keyRef) === toHex(keyRef(crypto, b.ephemeralKey)),
    toHex(x.hs.keyRef) === toHex(crypto.blake2b(cat(x.hs.ephemeral, b.ephemeralKey), { dkLen: 4 })),
    x.hint === guessedId || x.hint === saltedHint(crypto, x.salt, guessedId),
  ];
}

/** The observer's best guess: the recipient passing most tests, ties broken by a seeded coin. */
function guess(bundles: readonly IntroBundle[], x: Invite, coin: () => number): number {
  const scores = bundles.map((b) => observerTests(b, x).filter(Boolean).length);
  const best = Math.max(...scores);
  const tied = scores.flatMap((s, i) => (s === best ? [i] : []));
  return tied[coin() % tied.length]!;
}

async function installationSecret(peer: Peer): Promise<Uint8Array> {
  const id = inboxConversationId(crypto, fromHex(peer.client.installationKey)!);
  const state = decodeInboxState((await peer.store.get(CONVERSATION_STATE_NS, `InboxV1:${id}`))!)!;
  return state.installation.secretKey;
}

async function setup(): Promise<{
  recipients: Peer[];
  topic: string;
  bundles: IntroBundle[];
  invites: Invite[];
}> {
  const { names, topic } = collidingNames(RECIPIENTS);
  const w = world(SEED);
  const recipients: Peer[] = [];
  for (const name of names) recipients.push(await w.peer(name));
  for (const r of recipients) expect(r.client.inboxTopic).toBe(topic);
  const texts = await Promise.all(recipients.map((r) => r.client.introBundle()));
  const bundles = texts.map((t) => {
    const p = parseIntroBundle(crypto, t);
    if (!p.ok) throw p.error;
    return p.bundle;
  });
  const senders = [await w.peer("alice"), await w.peer("carol"), await w.peer("dave")];
  const pick = seededRandom(`${SEED}/targets`);
  // The recipients are offline while the invites are sent, so each envelope is captured before any reply.
  const cut = w.bus.partition(
    senders.map((s) => s.name),
    names,
  );
  const targets: number[] = [];
  for (let i = 0; i < INVITES; i++) {
    const to = pick(1)[0]! % RECIPIENTS;
    targets.push(to);
    await senders[i % senders.length]!.client.startConversation(texts[to]!, `invite ${i}`);
  }
  const wire = (await published(w, topic)).slice(0, INVITES);
  cut.heal();
  return { recipients, topic, bundles, invites: wire.map((bytes, i) => parseInvite(bytes, targets[i]!)) };
}

describe("InboxV1 version 2: an invite is recognisable by its recipient only", () => {
  let recipients: Peer[];
  let topic: string;
  let bundles: IntroBundle[];
  let invites: Invite[];
  beforeAll(async () => {
    ({ recipients, topic, bundles, invites } = await setup());
  });

  it("an observer holding every bundle on the topic guesses the recipient no better than chance", () => {
    expect(new Set(invites.map((x) => x.to)).size).toBe(RECIPIENTS);
    // Nothing the observer can compute matches, for any recipient: its guess cannot depend on the recipient.
    for (const x of invites) for (const b of bundles) expect(observerTests(b, x)).toEqual([false, false, false, false]);
    const coin = seededRandom(`${SEED}/observer`);
    const correct = invites.filter((x) => guess(bundles, x, () => coin(1)[0]!) === x.to).length;
    expect(Math.abs(correct / INVITES - 1 / RECIPIENTS)).toBeLessThan(0.15);
    // Every field has the same size whoever the recipient is.
    const shape = (x: Invite) =>
      [x.hint.length, x.hs.ephemeral.length, x.hs.keyRef.length, x.hs.encryptedStatic.length].join();
    expect(new Set(invites.map(shape)).size).toBe(1);
  });

  it("the same observer links version-1 invites every time (its tests are real)", () => {
    const coin = seededRandom(`${SEED}/observer-v1`);
    for (const x of invites) {
      const v1 = {
        hint: saltedHint(crypto, x.salt, inboxConversationId(crypto, bundles[x.to]!.installationKey)),
        salt: x.salt,
        hs: { ...x.hs, keyRef: keyRef(crypto, bundles[x.to]!.ephemeralKey) },
      };
      expect(guess(bundles, v1 as Invite, () => coin(1)[0]!)).toBe(x.to);
    }
  });

  it("hint and key_ref depend on the recipient only through the handshake's es, which needs its secret", async () => {
    const secrets = await Promise.all(recipients.map(installationSecret));
    for (const x of invites) {
      for (let r = 0; r < RECIPIENTS; r++) {
        const es = inviteSecret(crypto, secrets[r]!, x.hs.ephemeral)!;
        const id = inviteId(crypto, es, x.hs.ephemeral, bundles[r]!.installationKey);
        const ours = saltedHint(crypto, x.salt, id) === x.hint;
        expect(ours).toBe(r === x.to);
        expect(toHex(inviteKeyRef(crypto, es, x.hs.ephemeral, bundles[r]!.ephemeralKey)) === toHex(x.hs.keyRef)).toBe(
          r === x.to,
        );
      }
    }
  });

  it("each recipient accepts every invite for it and nothing else; replays start no second conversation", async () => {
    for (const x of invites) {
      for (let r = 0; r < RECIPIENTS; r++) {
        const outcome = await recipients[r]!.client.ingest(topic, x.bytes);
        expect(outcome.kind).toBe(r === x.to ? "readable" : "not-for-me");
      }
    }
    const revisions = recipients.map((r) => r.store.revision);
    for (const x of invites) {
      for (let r = 0; r < RECIPIENTS; r++) {
        const outcome = await recipients[r]!.client.ingest(topic, x.bytes);
        if (r === x.to) expect(outcome).toMatchObject({ kind: "badly-formed", reason: "conversation-exists" });
        else expect(outcome).toEqual({ kind: "not-for-me" });
      }
    }
    expect(recipients.map((r) => r.store.revision)).toEqual(revisions);
    for (let r = 0; r < RECIPIENTS; r++) {
      expect(started(recipients[r]!)).toHaveLength(invites.filter((x) => x.to === r).length);
    }
  });
});

describe("InboxV1 version 2: what recognising costs, and version 1 still read", () => {
  it("one X25519 per inbox envelope not for us, however many bundles were ever issued", async () => {
    const { names, topic } = collidingNames(2);
    const w = world(SEED);
    const other = await w.peer(names[1]!);
    // The counted recipient: the harness's seeded crypto for its name, wrapped to count.
    const counting = new CountingCrypto(new NobleCryptoProvider({ random: seededRandom(`${SEED}/${names[0]}`) }));
    const bob = await Client.create({
      store: new MemoryStore(),
      delivery: w.bus.endpoint(names[0]!),
      crypto: counting,
      clock: w.clock,
      random: seededRandom(`${SEED}/${names[0]}/salt`),
    });
    expect(bob.inboxTopic).toBe(topic);
    const bobBundle = await bob.introBundle();
    for (let i = 0; i < 8; i++) await bob.introBundle({ fresh: true });
    for (let i = 0; i < 20; i++) await bob.rotateIntroBundle();
    const alice = await w.peer("alice");
    const cut = w.bus.partition(["alice"], names);
    await alice.client.startConversation(await other.client.introBundle(), "for the other");
    await alice.client.startConversation(bobBundle, "for bob, to a rotated bundle");
    const [forOther, forBob] = await published(w, topic);
    cut.heal();

    const cost = async (bytes: Uint8Array) => {
      const before = { ...counting.counts };
      const outcome = await bob.ingest(topic, bytes);
      return { outcome, x25519: counting.counts.x25519 - before.x25519 };
    };
    expect(await cost(forOther!)).toEqual({ outcome: { kind: "not-for-me" }, x25519: 1 });
    // Recognised (one X25519), then its key reference found among 29 kept keys with hashes only (one more).
    expect(await cost(forBob!)).toMatchObject({
      outcome: { kind: "badly-formed", reason: "bundle-key-rotated" },
      x25519: 2,
    });
    // Anything else on the topic costs no X25519 at all.
    const garbage = encodeEnvelope({ conversationHint: "a".repeat(64), salt: 1n, payload: new Uint8Array(40) });
    expect(await cost(garbage)).toEqual({ outcome: { kind: "not-for-me" }, x25519: 0 });
    await bob.close();
  });

  it("a version-1 invite (public inbox-id hint, 'WAP' key_ref) is still accepted, and only under that hint", async () => {
    const w = world(`${SEED}/v1`);
    const bob = await w.peer("bob");
    const topic = bob.client.inboxTopic;
    const alice = await w.peer("alice");
    const text = await bob.client.introBundle();
    const bundle = parseIntroBundle(crypto, text);
    if (!bundle.ok) throw bundle.error;
    const cut = w.bus.partition(["alice"], [bob.name]);
    await alice.client.startConversation(text, "hello");
    const [sent] = await published(w, topic);
    cut.heal();
    const x = parseInvite(sent!, 0);
    // The same Noise message, addressed as version 1 did.
    const asV1 = (hint: string) =>
      encodeEnvelope({
        conversationHint: hint,
        salt: x.salt,
        payload: encodeEncryptedPayload(
          create(EncryptedPayloadSchema, {
            encryption: {
              case: "noiseInboxHandshake",
              value: { ...x.hs, keyRef: keyRef(crypto, bundle.bundle.ephemeralKey) },
            },
          }),
        ),
      });
    const inboxId = inboxConversationId(crypto, bundle.bundle.installationKey);
    // A version-1 handshake under a secret hint is not recognised (only version 2 is addressed that way).
    expect(await bob.client.ingest(topic, asV1(x.hint))).toEqual({ kind: "not-for-me" });
    expect(await bob.client.ingest(topic, asV1(saltedHint(crypto, x.salt, inboxId)))).toMatchObject({
      kind: "readable",
    });
    expect(started(bob)).toHaveLength(1);
    // The version-2 original is now a replay of the same handshake.
    expect(await bob.client.ingest(topic, x.bytes)).toMatchObject({
      kind: "badly-formed",
      reason: "conversation-exists",
    });
    expect(started(bob)).toHaveLength(1);
  });
});
