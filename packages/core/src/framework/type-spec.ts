/**
 * `ConversationTypeSpec`: the declarative, JSON-able description of one conversation type. CONVERSATIONS
 * says a type MUST define its encryption scheme, frames, encoding, content topics and conversation-id
 * generation, and SHOULD define membership limits, privacy/security guarantees and a deterministic decoding
 * tree. Each of those is a field here, so the `Registry` can check them and `docs/conversation-types.md` can
 * be generated from them. Every part carries a human `description`; the structured fields around it are what
 * tools and tests read.
 */

/** The five MUSTs of CONVERSATIONS, by field name. */
export const MUSTS = ["encryption", "frames", "encoding", "contentTopic", "conversationId"] as const;
export type MustName = (typeof MUSTS)[number];

/** The SHOULDs: CONVERSATIONS' three plus the privacy statement the seed asks every type to weigh. */
export const SHOULDS = ["membership", "guarantees", "decodingTree", "privacy"] as const;
export type ShouldName = (typeof SHOULDS)[number];

/** Human names used in errors, warnings and the generated document. */
export const REQUIREMENT_TITLES: Readonly<Record<MustName | ShouldName, string>> = {
  encryption: "encryption scheme",
  frames: "frames",
  encoding: "encoding",
  contentTopic: "content-topic derivation",
  conversationId: "conversation-id derivation",
  membership: "membership requirements and limits",
  guarantees: "privacy/security guarantees",
  decodingTree: "deterministic decoding tree",
  privacy: "content-topic privacy and channel binding",
};

/**
 * The fixed vocabulary of guarantees. A type may only claim properties from this list, so claims compare
 * across types and each one can be tied to the test that proves it.
 */
export const GUARANTEES = [
  "confidentiality",
  "integrity",
  "authentication",
  "mutual-authentication",
  "sender-privacy",
  "recipient-privacy",
  "forward-secrecy",
  "post-compromise-security",
  "deniability",
  "dropped-message-observability",
  "replay-protection",
  "causal-ordering",
  "unlinkable-hints",
  /** What a peer or an injector can make a victim store or compute is bounded, per message and in total. */
  "bounded-cost",
] as const;
export type Guarantee = (typeof GUARANTEES)[number];

/** The arms of `logoschat.encryption.EncryptedPayload` (protobuf-es oneof case names). */
export const ENCRYPTED_PAYLOAD_ARMS = [
  "plaintext",
  "doubleratchet",
  "inboxHandshake",
  "noiseInboxHandshake",
  "noiseInboxHandshakeV2",
  "privateV1SessionReset",
] as const;
export type EncryptedPayloadArm = (typeof ENCRYPTED_PAYLOAD_ARMS)[number];

export const PRIMITIVE_ROLES = [
  "dh",
  "aead",
  "hash",
  "kdf",
  "mac",
  "signature",
  "kem",
  "handshake",
  "ratchet",
  "group-key-agreement",
] as const;
export type PrimitiveRole = (typeof PRIMITIVE_ROLES)[number];

export interface Described {
  /** One or a few sentences for humans; the generated document prints it as is. */
  readonly description: string;
}

export interface Primitive {
  readonly role: PrimitiveRole;
  /** e.g. "X25519", "ChaCha20-Poly1305", "BLAKE2b-256 keyed (personal mk/ck)". */
  readonly name: string;
}

/** MUST 1. */
export interface EncryptionSpec extends Described {
  /** The scheme's name, e.g. "Double Ratchet (libchat PrivateV1)" or "Noise_XK0_25519_ChaChaPoly_BLAKE2b". */
  readonly scheme: string;
  readonly primitives: readonly Primitive[];
  /** The `EncryptedPayload` arms this type accepts; the decoder rejects any other arm before `open`. */
  readonly payloadArms: readonly EncryptedPayloadArm[];
}

/** MUST 2: one entry per frame (payload type) of the conversation. */
export interface FrameSpec extends Described {
  readonly name: string;
  /** Fully qualified protobuf message name, e.g. "logoschat.convos.private_v1.PrivateV1Frame". */
  readonly schema: string;
}

/** MUST 3. */
export interface EncodingSpec extends Described {
  readonly format: "protobuf3";
  /** The nesting from the outside in, e.g. ["EnvelopeV1", "EncryptedPayload.doubleratchet", "PrivateV1Frame"]. */
  readonly layers: readonly string[];
  /** The `.proto` files, relative to `proto/`. */
  readonly schemaFiles: readonly string[];
}

/** MUST 4: where messages of a conversation are received. */
export interface ContentTopicSpec extends Described {
  /** Waku content topic template, e.g. "/logos-chat/1/{delivery_address}/proto". */
  readonly template: string;
  /** How `{delivery_address}` is derived, e.g. "lower_hex(BLAKE2b-8(domain || installation key))". */
  readonly deliveryAddress: string;
}

/** MUST 5. */
export interface ConversationIdSpec extends Described {
  /** The derivation as a formula, e.g. "hex(BLAKE2b-512(installation public key))". */
  readonly derivation: string;
  /** What an id looks like, e.g. "128 lowercase hex characters". */
  readonly format: string;
}

/** SHOULD: membership requirements and limits. */
export interface MembershipSpec extends Described {
  readonly min: number;
  /** `null` means no limit set by the protocol. */
  readonly max: number | null;
}

export interface GuaranteeClaim extends Described {
  readonly property: Guarantee;
  /**
   * The condition or limit under which the claim holds, e.g. "once the bundle key is retired". A property
   * is either claimed (`guarantees`, with a caveat if it holds only partly) or disclaimed (`nonGuarantees`),
   * never both.
   */
  readonly caveat?: string;
  /** The test that demonstrates the property, relative to the repository root. */
  readonly provenBy?: string;
}

/**
 * What a peer or an injector can make a receiver store or compute through this type, and the bound on it
 * (issue 19): the resource, the bound (with the configuration that sets it), and what an attacker can still
 * cost a victim within it.
 */
export interface CostBound extends Described {
  /** What is bounded, e.g. "conversations started by invites". */
  readonly resource: string;
  /** The bound, e.g. "perWindow per windowMs (default 100 a minute)". */
  readonly bound: string;
  /** What an attacker can still cost the victim within the bound. */
  readonly attackerCost: string;
  readonly provenBy?: string;
}

/** What a decoding step ends in: exactly the three outcomes of the seed's deterministic decoding. */
export type DecodingOutcome =
  | { readonly outcome: "readable"; readonly frame: string }
  | { readonly outcome: "badly-formed"; readonly reason: string }
  | { readonly outcome: "not-for-me" };

export interface DecodingBranch {
  /** The condition on the tested field, e.g. "absent", "AEAD tag invalid", "otherwise". */
  readonly when: string;
  /** Either the id of the next node or an outcome. */
  readonly next: string | DecodingOutcome;
}

export interface DecodingNode {
  readonly id: string;
  /** The field or check this node tests, e.g. "EncryptedPayload.doubleratchet.dh". */
  readonly test: string;
  readonly branches: readonly DecodingBranch[];
}

/**
 * SHOULD: the type-specific part of the decoding tree, starting where the framework's common tree
 * (`FRAMEWORK_DECODING_TREE`) hands over: a candidate conversation found by hint, and its EncryptedPayload.
 */
export interface DecodingTree {
  readonly root: string;
  readonly nodes: readonly DecodingNode[];
}

/**
 * The `badly-formed` reasons a tree declares, as a union of string literals (for a tree written `as const`).
 * Runtimes type their failure codes with it, so a code the tree does not declare does not compile.
 */
export type ReasonsOf<T extends DecodingTree> = Extract<
  T["nodes"][number]["branches"][number]["next"],
  { readonly outcome: "badly-formed" }
>["reason"];

/** The `badly-formed` reasons a tree declares, at run time (tests hold runtimes to them). */
export function treeReasons(tree: DecodingTree | undefined): Set<string> {
  const out = new Set<string>();
  for (const n of tree?.nodes ?? [])
    for (const b of n.branches)
      if (typeof b.next !== "string" && b.next.outcome === "badly-formed") out.add(b.next.reason);
  return out;
}

export type MoveOutcome = "rejected" | "harmless" | "accepted";

/** SHOULD (the seed asks each type to weigh both): content-topic policy and channel binding. */
export interface PrivacySpec {
  readonly contentTopicPolicy: Described & {
    /** Who shares the topic, i.e. the anonymity set an observer of the topic sees. */
    readonly sharedBy: string;
    /** What an observer of the topic can link. */
    readonly linkability: string;
  };
  readonly channelBinding: Described & {
    /** What the ciphertext is cryptographically bound to, e.g. ["conversation-id", "sender"]. */
    readonly boundTo: readonly string[];
    /** A valid payload of conversation A re-sent with the hint of conversation B. */
    readonly movedToOtherConversation: MoveOutcome;
    /** A valid payload re-sent on another content topic. */
    readonly movedToOtherTopic: MoveOutcome;
    /** The test that demonstrates both statements. */
    readonly provenBy?: string;
  };
}

/**
 * How a payload of this type, and an invite that starts one, is told apart on the wire from every other type,
 * libchat's type of the same name included (LIP-236: a changed type is a new type). Nothing in clear may name
 * the type (that would link payloads), so identity comes from what only the recipient can check.
 */
export interface WireIdentitySpec {
  /** What makes an inbound payload this type's: the hint's conversation, the EncryptedPayload arm, the frame. */
  readonly payload: string;
  /** What names this type when a conversation of it starts (e.g. an invite arm and its discriminator). */
  readonly start: string;
  /** Where it differs from libchat's same-named type, and what each side does with the other's payloads. */
  readonly libchat: string;
  /** The test that shows a payload or invite of another type is refused or not-for-me, never read as this one. */
  readonly provenBy: string;
}

export interface ConversationTypeSpec {
  /** The type's identifier, version included, e.g. "PrivateV1". Incompatible versions are new types. */
  readonly name: string;
  readonly version: number;
  readonly summary: string;

  // The five MUSTs.
  readonly encryption: EncryptionSpec;
  readonly frames: readonly FrameSpec[];
  readonly encoding: EncodingSpec;
  readonly contentTopic: ContentTopicSpec;
  readonly conversationId: ConversationIdSpec;

  // The SHOULDs.
  readonly membership?: MembershipSpec;
  readonly guarantees?: readonly GuaranteeClaim[];
  /** Properties the type explicitly does NOT provide, so readers do not assume them. */
  readonly nonGuarantees?: readonly GuaranteeClaim[];
  readonly decodingTree?: DecodingTree;
  readonly privacy?: PrivacySpec;
  /** Bounds on what peers and injectors can cost a receiver (not a CONVERSATIONS requirement). */
  readonly bounds?: readonly CostBound[];
  /** How the type is identified on the wire (LIP-236 immutability; not a CONVERSATIONS requirement). */
  readonly wireIdentity?: WireIdentitySpec;
}

/**
 * The part of decoding every type shares, run by `Decoder.classify` before a type's own tree. Its reason
 * codes are the framework's `BadlyFormedReason`s.
 */
export const FRAMEWORK_DECODING_TREE = {
  root: "size",
  nodes: [
    {
      id: "size",
      test: "message length",
      branches: [
        {
          when: "not bytes, or the topic is not a string",
          next: { outcome: "badly-formed", reason: "internal-error" },
        },
        { when: "> 150 KiB", next: { outcome: "badly-formed", reason: "too-large" } },
        { when: "otherwise", next: "envelope" },
      ],
    },
    {
      id: "envelope",
      test: "EnvelopeV1 protobuf decode",
      branches: [
        { when: "fails", next: { outcome: "badly-formed", reason: "envelope-decode" } },
        { when: "ok", next: "hint" },
      ],
    },
    {
      id: "hint",
      test: "EnvelopeV1.conversation_hint",
      branches: [
        { when: "empty", next: { outcome: "badly-formed", reason: "hint-missing" } },
        { when: "longer than 512 characters", next: { outcome: "badly-formed", reason: "hint-too-long" } },
        { when: "otherwise", next: "match" },
      ],
    },
    {
      id: "match",
      test: "hint against conversations subscribed on the content topic (raw id, or salted BLAKE2s)",
      branches: [
        { when: "no match", next: "secret" },
        { when: "match", next: "payload" },
      ],
    },
    {
      id: "secret",
      test: "conversations on the topic whose type has secret hints (runtime.secretHints.matches)",
      branches: [
        {
          when: "none on the topic, the payload does not decode, or none recognises the envelope",
          next: { outcome: "not-for-me" },
        },
        { when: "one recognises it", next: "payload" },
      ],
    },
    {
      id: "payload",
      test: "EnvelopeV1.payload as EncryptedPayload",
      branches: [
        { when: "empty", next: { outcome: "badly-formed", reason: "payload-missing" } },
        { when: "decode fails", next: { outcome: "badly-formed", reason: "payload-decode" } },
        { when: "no arm set", next: { outcome: "badly-formed", reason: "payload-empty" } },
        {
          when: "no runtime registered for the candidate's type",
          next: { outcome: "badly-formed", reason: "unknown-type" },
        },
        {
          when: "arm not in the type's encryption.payloadArms",
          next: { outcome: "badly-formed", reason: "unexpected-encryption" },
        },
        { when: "otherwise", next: "state" },
      ],
    },
    {
      id: "state",
      test: "the candidate conversation's stored state",
      branches: [
        { when: "missing or undecodable", next: { outcome: "badly-formed", reason: "state-unavailable" } },
        { when: "ok", next: "type" },
      ],
    },
    {
      id: "type",
      test: "the type's own decoding tree (runtime.open)",
      branches: [
        { when: "fails (code from the type's tree)", next: { outcome: "badly-formed", reason: "type-reason" } },
        {
          when: "throws, returns no result, or a state (its own or a started one's) that does not encode",
          next: { outcome: "badly-formed", reason: "internal-error" },
        },
        {
          when: "starts a conversation whose type is not registered",
          next: { outcome: "badly-formed", reason: "unknown-type" },
        },
        {
          when: "starts a conversation already known (a replayed invite), or one twice",
          next: { outcome: "badly-formed", reason: "conversation-exists" },
        },
        { when: "ok", next: { outcome: "readable", frame: "the type's frame" } },
      ],
    },
  ],
} as const satisfies DecodingTree;

/** The reasons the framework itself produces ("type-reason" stands for the type's own codes). */
export type FrameworkReason = Exclude<ReasonsOf<typeof FRAMEWORK_DECODING_TREE>, "type-reason">;
