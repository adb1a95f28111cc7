/**
 * Each type's identity on the wire (issue 12, LIP-236 immutability): our InboxV1, PrivateV1 and GroupV1 are not
 * libchat's types of the same names, so nothing of one may be read as another. A PrivateV1 invite names our type
 * and its version ("parley/private-v1/1"); invites of Parley before that change ("default", "") are still
 * accepted; any other discriminator, and libchat's own inbox handshake, is refused with its declared code and
 * changes nothing. The ids the three types route by never collide, so no hint can name two of them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/base/bytes.js";
import { ContentCodecs } from "../../src/conversations/content/index.js";
import { conversationIdFromGroupId, GROUP_ID_BYTES } from "../../src/conversations/group-v1/address.js";
import { inboxConversationId } from "../../src/conversations/inbox-v1/address.js";
import { hintDesignates, inviteId, inviteSecret } from "../../src/conversations/inbox-v1/addressing.js";
import { initiateInbox } from "../../src/conversations/inbox-v1/handshake.js";
import { inboxV1 } from "../../src/conversations/inbox-v1/runtime.js";
import { conversationTypes } from "../../src/conversations/index.js";
import { privateV1Ids } from "../../src/conversations/private-v1/ids.js";
import {
  isPrivateV1Discriminator,
  LEGACY_PRIVATE_V1_DISCRIMINATORS,
  PRIVATE_V1_DISCRIMINATOR,
} from "../../src/conversations/private-v1/invite.js";
import { createPrivateV1Runtime } from "../../src/conversations/private-v1/runtime.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { Decoder } from "../../src/framework/decoder.js";
import { encodeEncryptedPayload, encodeEnvelope } from "../../src/framework/envelope.js";
import { saltedHint } from "../../src/framework/hints.js";
import type { MemoryStore } from "../../src/framework/memory-store.js";
import { Registry } from "../../src/framework/registry.js";
import { parseIntroBundle } from "../../src/identity/intro-bundle.js";
import { EncryptedPayloadSchema, InboxV1FrameSchema } from "../../src/wire/index.js";
import { setup } from "../client/group-world.js";

const REPO = join(import.meta.dirname, "../../../..");
const crypto = new NobleCryptoProvider({ random: seededRandom("type-identity/test") });

/** Bob's client with a fresh bundle, and a way to send him an invite whose InvitePrivateV1 we choose. */
async function world(seed: string) {
  const w = setup(seed, {});
  const bob = await w.peer("bob");
  const store = bob.store as MemoryStore;
  const topic = bob.client.inboxTopic;
  const installation = crypto.x25519GenerateKeyPair();
  const engine = new PrivateV1Engine(crypto);
  /** An invite as a Client builds it (InboxV1 version 2, a real first message), with `discriminator`. */
  const invite = async (discriminator: string, text: string) => {
    const parsed = parseIntroBundle(crypto, await bob.client.introBundle({ fresh: true }));
    if (!parsed.ok) throw new Error("bundle");
    const bundle = parsed.bundle;
    const now = w.clock.now();
    const i = initiateInbox(crypto, {
      installation,
      bundle,
      frame: (secrets) => {
        const s0 = engine.initiator(
          secrets.sk,
          bundle.ephemeralKey,
          installation.publicKey,
          bundle.installationKey,
          now,
        );
        const first = engine.send(
          s0,
          { case: "content", value: new ContentCodecs().encode({ kind: "text", text }) },
          now,
        );
        const value = { discriminator, initialMessage: first.outgoing[0]!.payload };
        return toBinary(
          InboxV1FrameSchema,
          create(InboxV1FrameSchema, { frameType: { case: "invitePrivateV1", value } }),
        );
      },
    });
    return encodeEnvelope({ conversationHint: i.inviteId, salt: 0n, payload: encodeEncryptedPayload(i.payload) });
  };
  const ingest = async (bytes: Uint8Array) => {
    const o = await bob.client.ingest(topic, bytes);
    return o.kind === "badly-formed" ? o.reason : o.kind;
  };
  return { w, bob, store, topic, invite, ingest };
}

describe("type identity on the wire", () => {
  it("every registered type says how it is identified on the wire, with a test that exists", () => {
    expect(conversationTypes.map((s) => s.name).sort()).toEqual([
      "AccountDirectV1",
      "AccountGroupV1",
      "AccountSelfV1",
      "GroupV1",
      "InboxV1",
      "PrivateV1",
    ]);
    for (const spec of conversationTypes) {
      const w = spec.wireIdentity;
      expect(w, spec.name).toBeDefined();
      expect(existsSync(join(REPO, w!.provenBy)), w!.provenBy).toBe(true);
    }
    expect(isPrivateV1Discriminator(PRIVATE_V1_DISCRIMINATOR)).toBe(true);
    expect(PRIVATE_V1_DISCRIMINATOR).not.toBe("default");
  });

  it("a Client's PrivateV1 invite names parley/private-v1/1 (read back by bob's own InboxV1)", async () => {
    const w = setup("identity-sent", {});
    const [alice, bob] = [await w.peer("alice"), await w.peer("bob")];
    const cut = w.bus.partition(["alice"], ["bob"]);
    await alice.client.startConversation(await bob.client.introBundle(), "hello");
    await w.run(1_000);
    cut.heal();
    const topic = bob.client.inboxTopic;
    const sent: Uint8Array[] = [];
    for await (const m of w.bus.history({ contentTopics: [topic] })) sent.push(m.payload);
    expect(sent).toHaveLength(1);

    // Bob's inbox opens it; a claimant that records what the invite names hands it to the real PrivateV1.
    const real = createPrivateV1Runtime();
    const named: string[] = [];
    const registry = new Registry();
    registry.register(inboxV1);
    registry.register({
      ...real,
      inbox: {
        arms: real.inbox!.arms,
        accept: (arm, input, ctx) => {
          named.push((input as { invite: { discriminator: string } }).invite.discriminator);
          return real.inbox!.accept(arm, input, ctx);
        },
      },
    });
    const decoder = new Decoder({ registry, crypto, store: bob.store, clock: w.clock });
    const inboxId = toHex(crypto.blake2b(fromHex(bob.client.installationKey)!));
    decoder.index.add({ id: inboxId, type: "InboxV1", contentTopic: topic });
    const outcome = await decoder.classify(sent[0]!, topic);
    expect(outcome.kind).toBe("readable");
    expect(named).toEqual([PRIVATE_V1_DISCRIMINATOR]);
  });

  it("a receiver accepts parley/private-v1/1 and, from Parley before this change, 'default' and ''", async () => {
    const { bob, invite, ingest } = await world("identity-accepts");
    const discriminators = [PRIVATE_V1_DISCRIMINATOR, ...LEGACY_PRIVATE_V1_DISCRIMINATORS];
    for (const d of discriminators)
      expect(await ingest(await invite(d, `named ${JSON.stringify(d)}`)), d).toBe("readable");
    const texts = bob.events.flatMap((e) =>
      e.type === "message" && e.content.kind === "text" ? [e.content.text] : [],
    );
    expect(texts.sort()).toEqual(discriminators.map((d) => `named ${JSON.stringify(d)}`).sort());
  });

  it("an invite naming another type (or a later version of ours) is refused with invite-unknown-discriminator; nothing is stored", async () => {
    const { store, invite, ingest } = await world("identity-refuses");
    for (const d of ["parley/private-v1/2", "parley/group-v1/1", "libchat", "PrivateV1", "Default", " default"]) {
      const bytes = await invite(d, "not for this type");
      const before = store.snapshot();
      expect(await ingest(bytes), d).toBe("invite-unknown-discriminator");
      expect(store.snapshot(), d).toEqual(before);
    }
  });

  it("libchat's InboxV1 invite (its inbox_handshake arm, hinted by the raw inbox id) is refused with unexpected-encryption; nothing is stored", async () => {
    const { bob, store, ingest } = await world("identity-libchat-inbox");
    const inboxId = inboxConversationId(crypto, fromHex(bob.client.installationKey)!);
    const libchat = create(EncryptedPayloadSchema, {
      encryption: {
        case: "inboxHandshake",
        value: {
          header: {
            initiatorStatic: crypto.x25519GenerateKeyPair().publicKey,
            initiatorEphemeral: crypto.x25519GenerateKeyPair().publicKey,
            responderStatic: fromHex(bob.client.installationKey)!,
            responderEphemeral: crypto.x25519GenerateKeyPair().publicKey,
          },
          payload: crypto.randomBytes(120),
        },
      },
    });
    const payload = encodeEncryptedPayload(libchat);
    const before = store.snapshot();
    for (const [hint, salt] of [
      [inboxId, 0n],
      [saltedHint(crypto, 7n, inboxId), 7n],
    ] as const) {
      expect(await ingest(encodeEnvelope({ conversationHint: hint, salt, payload })), hint).toBe(
        "unexpected-encryption",
      );
    }
    expect(store.snapshot()).toEqual(before);
  });

  it("the ids the three types route by never collide: each has its own length, so no hint names two types", () => {
    const lengths = new Map<string, Set<number>>();
    const add = (kind: string, id: string) => {
      expect(id).toMatch(/^[0-9a-f]+$/);
      lengths.set(kind, (lengths.get(kind) ?? new Set()).add(id.length));
    };
    const samples: Record<string, string>[] = [];
    for (let i = 0; i < 64; i++) {
      const sk = crypto.randomBytes(32);
      const installation = crypto.x25519GenerateKeyPair();
      const ephemeral = crypto.x25519GenerateKeyPair();
      const es = inviteSecret(crypto, ephemeral.secretKey, installation.publicKey)!;
      const ids = {
        "PrivateV1 (initiator)": privateV1Ids(crypto, sk, "initiator").local,
        "PrivateV1 (responder)": privateV1Ids(crypto, sk, "responder").local,
        "InboxV1 inbox": inboxConversationId(crypto, installation.publicKey),
        "InboxV1 invite": inviteId(crypto, es, ephemeral.publicKey, installation.publicKey),
        GroupV1: conversationIdFromGroupId(crypto.randomBytes(GROUP_ID_BYTES)),
      };
      for (const [kind, id] of Object.entries(ids)) add(kind, id);
      samples.push(ids);
    }
    // One length per kind, and the types' lengths are pairwise distinct (PrivateV1's two directions share one).
    const byType = new Map([
      ["PrivateV1", 36],
      ["InboxV1 inbox", 128],
      ["InboxV1 invite", 64],
      ["GroupV1", 32],
    ]);
    for (const [kind, set] of lengths) expect([...set], kind).toEqual([byType.get(kind.replace(/ \(.*\)$/, ""))]);
    expect(new Set(byType.values()).size).toBe(byType.size);
    // Hence a hint made for one type's id never designates another type's id, salted or raw.
    const s = samples[0]!;
    const ids = Object.values(s);
    for (const a of ids)
      for (const b of ids) {
        const hint = saltedHint(crypto, 42n, a);
        expect(hintDesignates(crypto, hint, 42n, b), `${a} vs ${b}`).toBe(a === b);
      }
  });
});
