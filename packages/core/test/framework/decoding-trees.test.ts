/**
 * Issue #11 item 7: every registered type's declared decoding tree is what its runtime does, both ways.
 *
 * Runtime ⊆ tree: each runtime types its failure codes with `ReasonsOf<its tree>` (the framework with
 * `FrameworkReason`, a claimant with `InviteRefusal`), so `tsc -b` refuses a code the tree does not declare. Here a
 * static scan of the sources backs that up: every code literal in a failure constructor is declared.
 * Tree ⊆ runtime: every declared code of InboxV1, PrivateV1 and GroupV1 is produced below by a crafted input on
 * the real runtime (through `Client.ingest`, the `Decoder`, or the type's engine), and the set produced equals the
 * set declared. The framework's own codes are each produced in `decoder.test.ts` (checked here by name).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fromHex, toHex, utf8 } from "../../src/base/bytes.js";
import { groupV1DecodingTree } from "../../src/conversations/group-v1/spec.js";
import { initiateInbox } from "../../src/conversations/inbox-v1/handshake.js";
import { inboxV1 } from "../../src/conversations/inbox-v1/runtime.js";
import { inboxV1DecodingTree } from "../../src/conversations/inbox-v1/spec.js";
import { decodeInboxState, retire } from "../../src/conversations/inbox-v1/state.js";
import { conversationTypes } from "../../src/conversations/index.js";
import { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import { privateV1DecodingTree } from "../../src/conversations/private-v1/spec.js";
import { NobleCryptoProvider, seededRandom } from "../../src/crypto/index.js";
import { CONVERSATION_STATE_NS } from "../../src/framework/conversation-store.js";
import { Decoder, FRAMEWORK_REASONS } from "../../src/framework/decoder.js";
import {
  decodeEncryptedPayload,
  decodeEnvelope,
  encodeEncryptedPayload,
  encodeEnvelope,
} from "../../src/framework/envelope.js";
import { Registry } from "../../src/framework/registry.js";
import { INVITE_REFUSALS, type OpenContext } from "../../src/framework/runtime.js";
import { treeReasons as declaredReasons, FRAMEWORK_DECODING_TREE } from "../../src/framework/type-spec.js";
import { parseIntroBundle } from "../../src/identity/intro-bundle.js";
import { fromDoubleratchetProto, toDoubleratchetProto } from "../../src/primitives/ratchet/index.js";
import { encodeSdsMessage } from "../../src/primitives/sds/index.js";
import { GroupV1MessageSchema } from "../../src/wire/gen/logoschat/group/group_v1_pb.js";
import { type EncryptedPayload, EncryptedPayloadSchema, InboxV1FrameSchema } from "../../src/wire/index.js";
import { groupOf, setup } from "../client/group-world.js";

const SRC = join(import.meta.dirname, "../../src");

/** Code literals in failure constructors: `reason: "x"`, `fail("x")`, `badlyFormed("x"`. */
function codeLiterals(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:reason: |\bfail\(|badlyFormed\()"([a-z][a-z0-9-]*)"/g)) out.push(m[1]!);
  return out;
}
const sources = (dir: string) =>
  readdirSync(join(SRC, dir))
    .filter((f) => f.endsWith(".ts") && f !== "spec.ts")
    .map((f) => join(SRC, dir, f));

describe("declared decoding trees hold against the runtimes, both ways", () => {
  const framework = declaredReasons(FRAMEWORK_DECODING_TREE);
  framework.delete("type-reason");

  it("every registered type has a tree, and the framework's reason list is its tree's", () => {
    for (const spec of conversationTypes) expect(spec.decodingTree, spec.name).toBeDefined();
    expect(new Set(FRAMEWORK_REASONS)).toEqual(framework);
    // Each framework code is produced by a crafted input in decoder.test.ts.
    const decoderTest = readFileSync(join(import.meta.dirname, "decoder.test.ts"), "utf8");
    for (const code of framework) expect(decoderTest, code).toContain(`reason: "${code}"`);
  });

  it("static scan: every code literal a runtime fails with is declared where it surfaces", () => {
    const inbox = declaredReasons(inboxV1DecodingTree);
    const cases: [string[], Set<string>][] = [
      [
        ["decoder.ts", "runtime.ts"].flatMap((f) => codeLiterals(join(SRC, "framework", f))),
        new Set([...framework, ...inbox]),
      ],
      [sources("conversations/inbox-v1").flatMap(codeLiterals), new Set([...inbox, ...framework])],
      // PrivateV1's invite refusals surface as InboxV1's codes (its claimant).
      [
        sources("conversations/private-v1").flatMap(codeLiterals),
        new Set([...declaredReasons(privateV1DecodingTree), ...INVITE_REFUSALS]),
      ],
    ];
    for (const [found, declared] of cases) {
      expect(found.length).toBeGreaterThan(0);
      expect(found.filter((c) => !declared.has(c))).toEqual([]);
    }
    for (const refusal of INVITE_REFUSALS) expect(inbox.has(refusal), refusal).toBe(true);
  });

  it("PrivateV1: every declared code is produced by a crafted input on its engine", () => {
    const crypto = new NobleCryptoProvider({ random: seededRandom("trees-private") });
    const T0 = 1_700_000_000_000;
    const [ia, ib] = [crypto.x25519GenerateKeyPair(), crypto.x25519GenerateKeyPair()];
    const sk = crypto.randomBytes(32);
    const bundle = crypto.x25519GenerateKeyPair();
    const ea = new PrivateV1Engine(crypto, { identity: ia });
    const eb = new PrivateV1Engine(crypto, { identity: ib });
    let alice = ea.initiator(sk, bundle.publicKey, ia.publicKey, ib.publicKey, T0);
    const bob = eb.responder(sk, bundle, ib.publicKey, ia.publicKey, T0);
    const send = (text: string) => {
      const r = ea.send(alice, { case: "content", value: utf8(text) }, T0);
      alice = r.state;
      return r.outgoing[0]!.payload;
    };
    const dr = (p: EncryptedPayload) => {
      if (p.encryption.case !== "doubleratchet") throw new Error("arm");
      return fromDoubleratchetProto(p.encryption.value);
    };
    const wrap = (m: ReturnType<typeof dr>) =>
      create(EncryptedPayloadSchema, { encryption: { case: "doubleratchet", value: toDoubleratchetProto(m) } });
    const sealedSds = (fields: { senderId: string; channelId: string } | Uint8Array) => {
      const plaintext =
        fields instanceof Uint8Array
          ? fields
          : encodeSdsMessage({
              ...fields,
              messageId: "ab".repeat(16),
              lamport: 1n,
              causalHistory: [],
              bloomFilter: undefined,
              content: Uint8Array.of(1),
            });
      return wrap(ea.ratchet(alice).encrypt(alice.ratchet, plaintext, T0).message);
    };
    const reset = (generation: number, tag = new Uint8Array(16)) =>
      create(EncryptedPayloadSchema, {
        encryption: {
          case: "privateV1SessionReset",
          value: { generation, ephemeral: crypto.x25519GenerateKeyPair().publicKey, tag },
        },
      });
    const reason = (r: ReturnType<PrivateV1Engine["open"]>) => (r.ok ? "readable" : r.reason);

    const p1 = send("one");
    const p2 = send("two");
    const m1 = dr(p1);
    const opened2 = eb.open(bob, p2, T0); // skips p1: its key is kept
    if (!opened2.ok) throw new Error("p2 must open");
    const produced = new Map<string, string>([
      [
        "unexpected-encryption",
        reason(eb.open(bob, create(EncryptedPayloadSchema, { encryption: { case: "plaintext", value: {} } }), T0)),
      ],
      ["replay", reason(eb.open(opened2.state, p2, T0))],
      ["malformed-header", reason(eb.open(bob, wrap({ ...m1, header: { ...m1.header, dh: new Uint8Array(31) } }), T0))],
      ["low-order-key", reason(eb.open(bob, wrap({ ...m1, header: { ...m1.header, dh: new Uint8Array(32) } }), T0))],
      ["expired", reason(eb.open(opened2.state, p1, T0 + 8 * 24 * 3_600_000))],
      ["too-far-ahead", reason(eb.open(bob, wrap({ ...m1, header: { ...m1.header, n: 5_000 } }), T0))],
      [
        "unknown-chain",
        reason(eb.open(bob, wrap({ ...m1, header: { ...m1.header, dh: bob.ratchet.dhSelf.publicKey } }), T0)),
      ],
      [
        "auth-failed",
        reason(eb.open(bob, wrap({ ...m1, ciphertext: m1.ciphertext.map((b, i) => (i === 20 ? b ^ 1 : b)) }), T0)),
      ],
      ["sds-malformed", reason(eb.open(bob, sealedSds(Uint8Array.of(0xff, 0xff, 0xff)), T0))],
      ["sds-wrong-channel", reason(eb.open(bob, sealedSds({ senderId: alice.localId, channelId: "elsewhere" }), T0))],
      ["sds-own-message", reason(eb.open(bob, sealedSds({ senderId: bob.localId, channelId: alice.localId }), T0))],
      ["sds-sender-mismatch", reason(eb.open(bob, sealedSds({ senderId: "someone", channelId: alice.localId }), T0))],
      ["reset-unsupported", reason(new PrivateV1Engine(crypto).open(bob, reset(1), T0))],
      ["reset-replay", reason(eb.open(bob, reset(0), T0))],
      ["reset-auth-failed", reason(eb.open(bob, reset(1), T0))],
    ]);
    // A receiver that buffers at most one message waiting for dependencies: the second one is refused.
    const tight = new PrivateV1Engine(crypto, { identity: ib, sds: { maxIncoming: 1 } });
    let chain = alice.ratchet;
    const waiting = (id: string) => {
      const plaintext = encodeSdsMessage({
        senderId: alice.localId,
        channelId: alice.localId,
        messageId: id,
        lamport: 9n,
        causalHistory: [{ messageId: "cd".repeat(16) }],
        bloomFilter: undefined,
        content: Uint8Array.of(1),
      });
      const r = ea.ratchet(alice).encrypt(chain, plaintext, T0);
      chain = r.state;
      return wrap(r.message);
    };
    const first = tight.open(bob, waiting("01".repeat(16)), T0);
    if (!first.ok) throw new Error("the first waiting message is buffered");
    produced.set("sds-buffer-full", reason(tight.open(first.state, waiting("02".repeat(16)), T0)));
    for (const [want, got] of produced) expect(got, want).toBe(want);
    expect(new Set(produced.keys())).toEqual(declaredReasons(privateV1DecodingTree));
  });

  it("InboxV1: every declared code is produced by a crafted input through Client.ingest, the Decoder or open", async () => {
    const w = setup("trees-inbox", {});
    const [alice, bob] = [await w.peer("alice"), await w.peer("bob")];
    const crypto = new NobleCryptoProvider({ random: seededRandom("trees-inbox/test") });
    const cut = w.bus.partition(["alice"], ["bob"]);
    const bundleText = await bob.client.introBundle();
    await alice.client.startConversation(bundleText, "hello");
    await w.run(1_000);
    cut.heal();
    const topic = bob.client.inboxTopic;
    const [original] = await (async () => {
      const out: Uint8Array[] = [];
      for await (const m of w.bus.history({ contentTopics: [topic] })) out.push(m.payload);
      return out;
    })();
    const parsed = parseIntroBundle(crypto, bundleText);
    if (!parsed.ok) throw new Error("bundle");
    const initiator = crypto.x25519GenerateKeyPair();
    /** An invite to bob's bundle whose InboxV1Frame is `frame`, addressed as version 2 (by its invite id). */
    const invite = (frame: Uint8Array, mutate?: (p: EncryptedPayload) => void) => {
      const i = initiateInbox(crypto, { installation: initiator, bundle: parsed.bundle, frame: () => frame });
      mutate?.(i.payload);
      return encodeEnvelope({ conversationHint: i.inviteId, salt: 0n, payload: encodeEncryptedPayload(i.payload) });
    };
    const privateInvite = (value: object) =>
      toBinary(InboxV1FrameSchema, create(InboxV1FrameSchema, { frameType: { case: "invitePrivateV1", value } }));
    const handshake = (p: EncryptedPayload) => {
      if (p.encryption.case !== "noiseInboxHandshakeV2") throw new Error("arm");
      return p.encryption.value;
    };
    const ingest = async (bytes: Uint8Array) => {
      const o = await bob.client.ingest(topic, bytes);
      return o.kind === "badly-formed" ? o.reason : o.kind;
    };
    const inboxId = toHex(crypto.blake2b(fromHex(bob.client.installationKey)!));
    const garbageInitial = create(EncryptedPayloadSchema, {
      encryption: { case: "doubleratchet", value: toDoubleratchetProto(dr0(crypto)) },
    });
    const produced = new Map<string, string>([
      // Version 1's public-id hint on a version 2 handshake.
      [
        "unexpected-encryption",
        await ingest(encodeEnvelope({ conversationHint: inboxId, salt: 0n, payload: envelopeOf(original!).payload })),
      ],
      [
        "handshake-malformed",
        await ingest(
          invite(new Uint8Array(0), (p) => {
            handshake(p).keyRef = new Uint8Array(3);
          }),
        ),
      ],
      [
        "handshake-failed",
        await ingest(
          invite(new Uint8Array(0), (p) => {
            handshake(p).encryptedStatic[5]! ^= 1;
          }),
        ),
      ],
      [
        "unknown-bundle-key",
        await ingest(
          invite(new Uint8Array(0), (p) => {
            handshake(p).keyRef[0]! ^= 1;
          }),
        ),
      ],
      ["inbox-frame-decode", await ingest(invite(Uint8Array.of(0xff, 0xff, 0xff)))],
      ["inbox-frame-empty", await ingest(invite(new Uint8Array(0)))],
      ["invite-malformed", await ingest(invite(privateInvite({ discriminator: "default" })))],
      [
        "invite-unknown-discriminator",
        await ingest(invite(privateInvite({ discriminator: "other", initialMessage: garbageInitial }))),
      ],
      [
        "invite-initial-refused",
        await ingest(invite(privateInvite({ discriminator: "default", initialMessage: garbageInitial }))),
      ],
    ]);
    expect(await ingest(original!)).toBe("readable");
    produced.set("conversation-exists", await ingest(original!));

    // No type claims the arm: a registry with InboxV1 alone (every Client registers PrivateV1, its claimant).
    const inboxRef = { id: inboxId, type: "InboxV1", contentTopic: topic };
    const registry = new Registry();
    registry.register(inboxV1);
    const decoder = new Decoder({ registry, crypto, store: bob.store, clock: w.clock });
    decoder.index.add(inboxRef);
    const unclaimed = await decoder.classify(invite(privateInvite({ discriminator: "default" })), topic);
    produced.set("unclaimed-invite", unclaimed.kind === "badly-formed" ? unclaimed.reason : unclaimed.kind);

    // Expired, used (single-use) and rotated bundle keys: the inbox state as stored, then changed, through open.
    const state = decodeInboxState((await bob.store.get(CONVERSATION_STATE_NS, `InboxV1:${inboxId}`))!)!;
    const key = state.bundleKeys[0]!;
    const payload = decodePayload(invite(new Uint8Array(0)));
    const ctx = (now: number): OpenContext => ({
      crypto,
      now,
      conversation: inboxRef,
      contentTopic: topic,
      hint: { form: "secret", salt: 0n },
      isKnownConversation: () => false,
      claimInvite: () => ({ ok: false, reason: "unclaimed-invite" }),
    });
    const open = (s: typeof state, now: number) => {
      const r = inboxV1.open(s, payload, ctx(now));
      return r.ok ? "readable" : r.reason;
    };
    produced.set("bundle-key-expired", open(state, key.expiresAt + 1));
    produced.set("bundle-key-used", open(retire(state, [key], "used", w.clock.now()), w.clock.now()));
    produced.set("bundle-key-rotated", open(retire(state, [key], "rotated", w.clock.now()), w.clock.now()));

    for (const [want, got] of produced) expect(got, want).toBe(want);
    expect(new Set(produced.keys())).toEqual(declaredReasons(inboxV1DecodingTree));
  }, 60_000);

  it("GroupV1: every declared code is produced through Client.ingest", async () => {
    const w = setup("trees-group", {});
    const captured: { topic: string; payload: Uint8Array }[] = [];
    const bus = w.bus as unknown as { _publish: (from: unknown, topic: string, payload: Uint8Array) => unknown };
    const publish = bus._publish.bind(w.bus);
    bus._publish = (from, topic, payload) => {
      captured.push({ topic, payload: payload.slice() });
      return publish(from, topic, payload);
    };
    const [alice, bob, carol] = [await w.peer("alice"), await w.peer("bob"), await w.peer("carol")];
    await w.connect(alice, bob);
    await w.connect(alice, carol);
    await w.connect(bob, carol);
    const cid = await groupOf(w, alice, [bob, carol], "trees");
    const groupTopic = (await alice.client.groupInfo(cid)).contentTopic;
    await bob.client.send(cid, "hi");
    await w.run(5_000);
    const last = captured.filter((c) => c.topic === groupTopic).at(-1)!;
    const reasonOf = async (bytes: Uint8Array) => {
      const o = await alice.client.ingest(groupTopic, bytes);
      return o.kind === "badly-formed" ? o.reason : o.kind;
    };
    // The same message again; and its MLS message cut short (the envelope still names the group).
    const env = envelopeOf(last.payload);
    const p = decodePayload(last.payload);
    if (p.encryption.case !== "plaintext") throw new Error("arm");
    const gm = fromBinary(GroupV1MessageSchema, p.encryption.value.payload);
    const cut = toBinary(GroupV1MessageSchema, { ...gm, mlsMessage: gm.mlsMessage.slice(0, -40) });
    const sealed = (group: Uint8Array) =>
      encodeEnvelope({
        conversationHint: env.hint,
        salt: env.salt,
        payload: encodeEncryptedPayload(
          create(EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: group } } }),
        ),
      });
    // An epoch_ref nobody knows, on an epoch near our head: held in memory for that epoch.
    const unknownRef = toBinary(GroupV1MessageSchema, { ...gm, epochRef: new Uint8Array(16).fill(7) });
    // The same, grown past one delivery message (an unknown field): dropped unseen.
    const huge = new Uint8Array(unknownRef.length + 160 * 1024 + 4);
    huge.set(unknownRef);
    huge.set([0x7a, 0x80, 0x80, 0x0a], unknownRef.length); // field 15, length 160 KiB
    const produced = new Map<string, string>([
      ["replay", await reasonOf(last.payload)],
      ["bad-message", await reasonOf(sealed(cut))],
      ["epoch-unknown", await reasonOf(sealed(unknownRef))],
    ]);
    // Past one delivery message the framework refuses it first, as for every type: the group never sees it.
    expect(await reasonOf(sealed(huge))).toBe("too-large");
    // Carol is removed; a message from the epoch that removed her is one she cannot read (she may be re-added).
    await alice.client.removeGroupMembers(cid, [carol.client.installationKey]);
    await w.run(10_000);
    w.bus.partition(["carol"], ["alice", "bob"]); // she meets the message first here, not on the bus
    await bob.client.send(cid, "after carol");
    await w.run(5_000);
    const afterRemoval = captured.filter((c) => c.topic === groupTopic).at(-1)!;
    const carolSees = await carol.client.ingest(groupTopic, afterRemoval.payload);
    produced.set("epoch-unreadable", carolSees.kind === "badly-formed" ? carolSees.reason : carolSees.kind);
    // Nine epochs later, the message with an unknown epoch_ref is from too far below the head: dropped unseen.
    for (let i = 0; i < 9; i++) await alice.client.setGroupMetadata(cid, { name: `trees ${i}` });
    produced.set("epoch-implausible", await reasonOf(sealed(unknownRef)));
    for (const [want, got] of produced) expect(got, want).toBe(want);
    expect(new Set(produced.keys())).toEqual(declaredReasons(groupV1DecodingTree));
  }, 60_000);
});

/** A garbage first ratchet message (random key and ciphertext): it never opens. */
function dr0(crypto: NobleCryptoProvider) {
  return {
    header: { dh: crypto.x25519GenerateKeyPair().publicKey, n: 0, pn: 0 },
    ciphertext: crypto.randomBytes(60),
  };
}

function envelopeOf(bytes: Uint8Array): { hint: string; salt: bigint; payload: Uint8Array } {
  const e = decodeEnvelope(bytes);
  if (!e.ok) throw new Error("envelope");
  return { hint: e.value.conversationHint, salt: e.value.salt, payload: e.value.payload };
}

function decodePayload(envelope: Uint8Array): EncryptedPayload {
  const p = decodeEncryptedPayload(envelopeOf(envelope).payload);
  if (!p.ok) throw new Error("payload");
  return p.value;
}
