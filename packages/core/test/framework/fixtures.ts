/**
 * Test-only conversation types built on the framework interface, with real cryptography:
 * - `SealedTestV1`: each conversation has its own 32-byte ChaCha20-Poly1305 key; the plaintext arm carries
 *   nonce(12) || ciphertext, with AAD = utf8(conversation id || "\n" || content topic) (channel binding) and
 *   a replay list in the state.
 * - `TestInboxV1`: opens a plaintext JSON invite `{arm, invite}` and hands it to `ctx.claimInvite`.
 */
import {
  type ConversationRef,
  type ConversationTypeRuntime,
  type ConversationTypeSpec,
  type CryptoProvider,
  concatBytes,
  fromHex,
  fromUtf8,
  type RandomSource,
  toHex,
  utf8,
} from "@parley/core";
import { sealEnvelope } from "@parley/core/internals";
import * as wire from "@parley/core/wire";

export function fullSpec(name = "SealedTestV1"): ConversationTypeSpec {
  return {
    name,
    version: 1,
    summary: "A test type: one ChaCha20-Poly1305 key per conversation.",
    encryption: {
      scheme: "static AEAD key per conversation",
      description: "ChaCha20-Poly1305 with a random 12-byte nonce prepended; AAD binds id and topic.",
      primitives: [{ role: "aead", name: "ChaCha20-Poly1305" }],
      payloadArms: ["plaintext"],
    },
    frames: [{ name: "TextFrame", schema: "utf8 text (test)", description: "A line of text." }],
    encoding: {
      format: "protobuf3",
      description: "EnvelopeV1 around EncryptedPayload.plaintext.",
      layers: ["EnvelopeV1", "EncryptedPayload.plaintext", "nonce || AEAD(text)"],
      schemaFiles: ["logoschat/envelope/envelope.proto", "logoschat/encryption/encryption.proto"],
    },
    contentTopic: {
      template: "/logos-chat/1/{delivery_address}/proto",
      deliveryAddress: "chosen by the test",
      description: "Tests put several conversations on one topic.",
    },
    conversationId: {
      derivation: "chosen by the test",
      format: "any string",
      description: "Opaque.",
    },
    membership: { min: 2, max: 2, description: "Two parties sharing a key." },
    guarantees: [
      { property: "confidentiality", description: "AEAD.", provenBy: "packages/core/test/framework/decoder.test.ts" },
      { property: "replay-protection", description: "Seen nonces are kept in the state." },
    ],
    nonGuarantees: [{ property: "forward-secrecy", description: "The key never changes." }],
    decodingTree: {
      root: "length",
      nodes: [
        {
          id: "length",
          test: "plaintext.payload length",
          branches: [
            { when: "< 28 bytes", next: { outcome: "badly-formed", reason: "too-short" } },
            { when: "otherwise", next: "aead" },
          ],
        },
        {
          id: "aead",
          test: "AEAD open with the conversation key",
          branches: [
            { when: "fails", next: { outcome: "badly-formed", reason: "decrypt-failed" } },
            { when: "ok", next: "replay" },
          ],
        },
        {
          id: "replay",
          test: "nonce already seen",
          branches: [
            { when: "yes", next: { outcome: "badly-formed", reason: "replay" } },
            { when: "no", next: { outcome: "readable", frame: "TextFrame" } },
          ],
        },
      ],
    },
    privacy: {
      contentTopicPolicy: {
        description: "Topics chosen by the test.",
        sharedBy: "every test conversation on the topic",
        linkability: "none beyond the topic",
      },
      channelBinding: {
        description: "AAD = conversation id and content topic.",
        boundTo: ["conversation-id", "content-topic"],
        movedToOtherConversation: "rejected",
        movedToOtherTopic: "rejected",
        provenBy: "packages/core/test/framework/decoder.test.ts",
      },
    },
  };
}

export interface SealedState {
  readonly key: Uint8Array;
  readonly received: number;
  readonly seen: readonly string[];
}

export const sealedRuntime: ConversationTypeRuntime<SealedState, string> = {
  spec: fullSpec(),
  open(state, payload, ctx) {
    if (payload.encryption.case !== "plaintext") return { ok: false, reason: "wrong-arm" };
    const bytes = payload.encryption.value.payload;
    if (bytes.length < 28) return { ok: false, reason: "too-short" };
    const nonce = bytes.subarray(0, 12);
    let plain: Uint8Array;
    try {
      plain = ctx.crypto.aeadOpen(state.key, nonce, bytes.subarray(12), bindingAad(ctx.conversation));
    } catch {
      return { ok: false, reason: "decrypt-failed" };
    }
    const n = toHex(nonce);
    if (state.seen.includes(n)) return { ok: false, reason: "replay" };
    const text = fromUtf8(plain);
    if (text === undefined) return { ok: false, reason: "bad-text" };
    return {
      ok: true,
      frame: text,
      nextState: { key: state.key, received: state.received + 1, seen: [...state.seen, n] },
    };
  },
  encodeState(state) {
    return utf8(JSON.stringify({ key: toHex(state.key), received: state.received, seen: state.seen }));
  },
  decodeState(bytes) {
    try {
      const o = JSON.parse(fromUtf8(bytes) ?? "") as { key: string; received: number; seen: string[] };
      const key = fromHex(o.key);
      if (key?.length !== 32 || !Number.isInteger(o.received) || !Array.isArray(o.seen)) return undefined;
      return { key, received: o.received, seen: o.seen };
    } catch {
      return undefined;
    }
  },
  inbox: {
    arms: ["inviteSealedTest"],
    accept(_arm, invite) {
      if (typeof invite !== "object" || invite === null) return { ok: false, reason: "bad-invite" };
      const i = invite as { id?: unknown; key?: unknown; topic?: unknown };
      const key = typeof i.key === "string" ? fromHex(i.key) : undefined;
      if (typeof i.id !== "string" || typeof i.topic !== "string" || key?.length !== 32) {
        return { ok: false, reason: "bad-invite" };
      }
      return {
        ok: true,
        conversation: { id: i.id, type: "SealedTestV1", contentTopic: i.topic },
        state: { key, received: 0, seen: [] },
      };
    },
  },
};

export function bindingAad(ref: Pick<ConversationRef, "id" | "contentTopic">): Uint8Array {
  return utf8(`${ref.id}\n${ref.contentTopic}`);
}

/** Encrypts `text` for a SealedTestV1 conversation; returns the EncryptedPayload bytes. */
export function sealedPayload(
  crypto: CryptoProvider,
  key: Uint8Array,
  ref: Pick<ConversationRef, "id" | "contentTopic">,
  text: string,
): Uint8Array {
  const nonce = crypto.randomBytes(12);
  const ct = crypto.aeadSeal(key, nonce, utf8(text), bindingAad(ref));
  return wire.toBinary(
    wire.EncryptedPayloadSchema,
    wire.create(wire.EncryptedPayloadSchema, {
      encryption: { case: "plaintext", value: { payload: concatBytes(nonce, ct) } },
    }),
  );
}

/** A full envelope for a SealedTestV1 conversation, salted hint unless `raw`. */
export function sealedEnvelope(
  crypto: CryptoProvider,
  random: RandomSource,
  key: Uint8Array,
  ref: Pick<ConversationRef, "id" | "contentTopic">,
  text: string,
  raw = false,
): Uint8Array {
  return sealEnvelope({
    crypto,
    random,
    conversationId: ref.id,
    payload: sealedPayload(crypto, key, ref, text),
    rawHint: raw,
  });
}

export function inboxSpec(): ConversationTypeSpec {
  const base = fullSpec("TestInboxV1");
  return {
    ...base,
    summary: "A test inbox: plaintext JSON invites handed to the claiming type.",
    frames: [{ name: "InviteFrame", schema: "JSON (test)", description: "An invite." }],
    decodingTree: {
      root: "json",
      nodes: [
        {
          id: "json",
          test: "plaintext.payload as JSON invite",
          branches: [
            { when: "invalid", next: { outcome: "badly-formed", reason: "bad-invite" } },
            { when: "ok", next: { outcome: "readable", frame: "InviteFrame" } },
          ],
        },
      ],
    },
  };
}

export const inboxRuntime: ConversationTypeRuntime<{ opened: number }, { arm: string }> = {
  spec: inboxSpec(),
  open(state, payload, ctx) {
    if (payload.encryption.case !== "plaintext") return { ok: false, reason: "wrong-arm" };
    let msg: { arm?: unknown; invite?: unknown };
    try {
      msg = JSON.parse(fromUtf8(payload.encryption.value.payload) ?? "");
    } catch {
      return { ok: false, reason: "bad-invite" };
    }
    if (typeof msg !== "object" || msg === null || typeof msg.arm !== "string") {
      return { ok: false, reason: "bad-invite" };
    }
    const accepted = ctx.claimInvite(msg.arm, msg.invite);
    if (!accepted.ok) return { ok: false, reason: accepted.reason };
    return {
      ok: true,
      frame: { arm: msg.arm },
      nextState: { opened: state.opened + 1 },
      started: [{ conversation: accepted.conversation, state: accepted.state, frame: accepted.frame }],
    };
  },
  encodeState: (s) => utf8(JSON.stringify(s)),
  decodeState(bytes) {
    try {
      const o = JSON.parse(fromUtf8(bytes) ?? "") as { opened: unknown };
      return typeof o.opened === "number" ? { opened: o.opened } : undefined;
    } catch {
      return undefined;
    }
  },
};

/** EncryptedPayload.plaintext around arbitrary bytes. */
export function plaintextPayload(bytes: Uint8Array): Uint8Array {
  return wire.toBinary(
    wire.EncryptedPayloadSchema,
    wire.create(wire.EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: bytes } } }),
  );
}
