import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";

/** The test that shows no other type's payload or invite is read as this one. */
const TYPE_IDENTITY = "packages/core/test/framework/type-identity.test.ts";

const B = "packages/core/test/group-v1/basic.test.ts";
const C = "packages/core/test/group-v1/convergence.test.ts";
const L = "packages/core/test/group-v1/lifecycle.test.ts";
const F = "packages/core/test/client/group-forks.test.ts";
const I = "packages/core/test/client/group-injection.test.ts";

/** The decoding tree; `GroupV1Reason` (its badly-formed codes) types the runtime's failures. */
export const groupV1DecodingTree = {
  root: "arm",
  nodes: [
    {
      id: "arm",
      test: "EncryptedPayload arm",
      branches: [
        // Unreachable through the framework, which refuses other arms first (unexpected-encryption).
        { when: "not plaintext", next: { outcome: "not-for-me" } },
        { when: "otherwise", next: "message" },
      ],
    },
    {
      id: "message",
      test: "GroupV1Message and MLS PrivateMessage decode, group id",
      branches: [
        { when: "undecodable or not a PrivateMessage", next: { outcome: "badly-formed", reason: "bad-message" } },
        { when: "group id is another group's", next: { outcome: "badly-formed", reason: "bad-message" } },
        {
          when: "hash already processed, our own echo, or a group we left (nothing is written)",
          next: { outcome: "badly-formed", reason: "replay" },
        },
        {
          when:
            "epoch_ref unknown or an epoch we were removed in, and implausible: MLS epoch below head - 8 or " +
            "above head + 16, or larger than 150 KiB (only through the engine: the framework refuses such an " +
            "envelope first, too-large) (dropped unseen, nothing stored)",
          next: { outcome: "badly-formed", reason: "epoch-implausible" },
        },
        {
          when: "epoch_ref unknown (held in memory, bounded, until that epoch is known; nothing stored)",
          next: { outcome: "badly-formed", reason: "epoch-unknown" },
        },
        {
          when: "epoch_ref is an epoch we were removed in (held in memory for a re-add; nothing stored)",
          next: { outcome: "badly-formed", reason: "epoch-unreadable" },
        },
        { when: "otherwise", next: "content" },
      ],
    },
    {
      id: "content",
      test: "MLS content type",
      branches: [
        { when: "commit", next: "commit" },
        { when: "application", next: "application" },
        { when: "proposal", next: { outcome: "badly-formed", reason: "bad-message" } },
      ],
    },
    {
      id: "commit",
      test: "MLS commit processing from the parent epoch",
      branches: [
        {
          when: "same commit already processed under other clear fields (nothing is written)",
          next: { outcome: "badly-formed", reason: "replay" },
        },
        { when: "MLS rejects it", next: { outcome: "badly-formed", reason: "bad-message" } },
        { when: "ok (a new epoch; the fork choice runs)", next: { outcome: "readable", frame: "GroupV1Message" } },
      ],
    },
    {
      id: "application",
      test: "MLS decryption, SDS and GroupAppFrame checks",
      branches: [
        { when: "does not decrypt or verify", next: { outcome: "badly-formed", reason: "bad-message" } },
        {
          when: "SDS sender_id or channel_id disagree with the MLS sender or group",
          next: { outcome: "badly-formed", reason: "bad-message" },
        },
        { when: "ok", next: { outcome: "readable", frame: "GroupAppFrame" } },
      ],
    },
  ],
} as const satisfies DecodingTree;

export type GroupV1Reason = ReasonsOf<typeof groupV1DecodingTree>;

/** GroupV1: MLS groups with fork-free membership; design and trade-offs in docs/GROUPS.md. */
export const groupV1Spec: ConversationTypeSpec = {
  name: "GroupV1",
  version: 1,
  summary:
    "Group conversation on RFC 9420 MLS (ts-mls): key packages and welcomes over the members' PrivateV1 " +
    "conversations, one commit per membership change ordered by a deterministic fork choice so concurrent changes " +
    "never fork the group, exactly-once delivery, full persistence.",
  encryption: {
    scheme: "MLS (RFC 9420), default suite 3 MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (configurable)",
    description:
      "Application messages and commits are MLS PrivateMessages. Each leaf's BasicCredential is the member's " +
      "X25519 identity key (32 bytes) || XEdDSA signature by that key over 'parley-group-v1-credential' || MLS " +
      "signature key (64 bytes); the authentication service verifies it, so every sender is attributed to a Parley " +
      "identity by every member.",
    primitives: [
      { role: "group-key-agreement", name: "MLS TreeKEM (RFC 9420)" },
      { role: "kem", name: "DHKEM(X25519, HKDF-SHA256)" },
      { role: "aead", name: "ChaCha20-Poly1305" },
      { role: "kdf", name: "HKDF-SHA256" },
      { role: "signature", name: "Ed25519 (MLS), XEdDSA (credential binding)" },
      { role: "hash", name: "SHA-256 (MLS), BLAKE2b-128 (epoch ids, message hashes), BLAKE2b-48 (address)" },
    ],
    payloadArms: ["plaintext"],
  },
  frames: [
    {
      name: "GroupV1Message",
      schema: "logoschat.group.GroupV1Message",
      description:
        "What is published on the group topic: epoch_ref = 1 (16-byte id of the epoch whose keys protect the MLS " +
        "message; for a commit, its parent), mls_message = 2 (an MLS PrivateMessage), new_epoch_ref = 3 (for a " +
        "commit: the 16-byte id of the epoch it creates, which members removed on that branch cannot compute).",
    },
    {
      name: "SdsMessage",
      schema: "logoschat.sds.SdsMessage",
      description:
        "The plaintext of every MLS application message: sender_id = sender identity (checked against the MLS leaf), " +
        "message_id (random, 16 bytes hex; re-sends keep it), channel_id = conversation id, lamport timestamp, causal " +
        "history (last 8 ids).",
    },
    {
      name: "GroupAppFrame",
      schema: "logoschat.group.GroupAppFrame",
      description:
        "timestamp = 1, oneof content = 10 (a ContentFrame: the only arm given to the application), joined = 11 " +
        "(the sender processed its Welcome), leave_request = 12.",
    },
    {
      name: "GroupControlFrame",
      schema: "logoschat.group.GroupControlFrame",
      description:
        "Carried in PrivateV1Frame.group_control over a pairwise conversation: key_package_request = 1, " +
        "key_package_response = 2, welcome = 3 (InviteGroupV1), rewelcome_request = 4.",
    },
    {
      name: "ContentFrame",
      schema: "logoschat.content.ContentFrame",
      description: "Application content: domain_id, tag, payload.",
    },
  ],
  encoding: {
    format: "protobuf3",
    description:
      "Each layer is an encoded protobuf (or TLS-encoded MLS message) inside the bytes field of the layer around it.",
    layers: [
      "EnvelopeV1",
      "EncryptedPayload.plaintext",
      "GroupV1Message",
      "MLSMessage (PrivateMessage)",
      "SdsMessage",
      "GroupAppFrame",
      "ContentFrame",
    ],
    schemaFiles: [
      "logoschat/envelope/envelope.proto",
      "logoschat/encryption/encryption.proto",
      "logoschat/group/group_v1.proto",
      "logoschat/sds/sds.proto",
      "logoschat/invite/invite.proto",
      "logoschat/content/content.proto",
    ],
  },
  contentTopic: {
    template: "/logos-chat/1/{delivery_address}/proto",
    deliveryAddress: "lower_hex(BLAKE2b(dkLen 6, utf8('delivery_addr|' || conversation_id))) (libchat GroupV1)",
    description: "One topic per group, shared by all members; 6 bytes, as libchat.",
  },
  conversationId: {
    derivation: "lower_hex(MLS group id), the group id being 16 random bytes (libchat GroupV1)",
    format: "32 lowercase hex characters",
    description: "Envelopes carry a salted hint of the conversation id.",
  },
  membership: {
    min: 1,
    max: 1000,
    description:
      "The creator alone up to maxMembers (default 1000, configurable). One commit may add any number of members " +
      "as long as it fits one 150 KiB message. Members join by Welcome over their PrivateV1 conversation with the " +
      "adder; they are 'pending' until their Joined frame arrives. Any member may add, remove or rename; leaving is " +
      "a request another member commits.",
  },
  guarantees: [
    {
      property: "confidentiality",
      description:
        "MLS PrivateMessages under the epoch's keys. A message is only ever readable by the roster its sender saw when " +
        "sending (or a subset), also when its branch loses the fork choice and it is sent again: it waits for the " +
        "branch's removals to be re-applied (at most removalWaitMs, 60 s by default, then it is reported lost), goes in " +
        "an older canonical epoch, or is reported lost (docs/GROUPS.md). " +
        "So a removed member receives nothing sent after its sender saw the removal.",
      caveat:
        "A message sent concurrently with a removal, before its sender saw it, may reach the removed member: it was in " +
        "the sender's roster.",
      provenBy: F,
    },
    {
      property: "integrity",
      description:
        "MLS AEAD and signatures; a rejected message changes no state (also group-v1/basic.test.ts). Nothing " +
        "unauthenticated is stored: a message for an epoch we cannot read yet is held in memory only, bounded per " +
        "conversation (128 messages, 2 MiB), per epoch ref (32) and in all (16 MiB), within 16 epochs above the " +
        "head, for 120 s; " +
        "evictions are reported (`orphans-evicted`). An injector costs a member bounded memory and decoding, one " +
        "history fetch per recovery interval and at most one re-welcome request per rewelcomeAfterMs, never a " +
        "write: 120 replayed 100 KB messages with random epoch refs leave later rounds within 2x their bytes " +
        "written, and 100,000 garbage payloads from real group envelopes change no stored record.",
      caveat:
        "A member removed from an epoch follows up to two commits per parent on their clear new_epoch_ref, which " +
        "nothing authenticates (docs/GROUPS.md §2).",
      provenBy: I,
    },
    {
      property: "authentication",
      description: "Every application message is attributed to the identity bound in the sender's MLS credential.",
      provenBy: B,
    },
    {
      property: "forward-secrecy",
      description:
        "MLS key schedule; epoch states older than the finality depth (8) are deleted, removed members get no later " +
        "keys (and no message their sender sent after seeing the removal: see confidentiality).",
      provenBy: L,
    },
    {
      property: "post-compromise-security",
      description: "Every commit carries an update path, so each membership change refreshes the committer's keys.",
    },
    {
      property: "replay-protection",
      description: "Replayed payloads are skipped by hash; application messages are delivered once per message id.",
      provenBy: C,
    },
    {
      property: "dropped-message-observability",
      description:
        "Messages for unknown epochs and gaps in SDS causal history trigger a history fetch, then a re-welcome. " +
        "Held messages dropped unread are reported (`orphans-evicted`, with a reason) and fetched again from " +
        "history when their epoch arrives.",
      provenBy: L,
    },
    { property: "unlinkable-hints", description: "Salted per-message hints." },
  ],
  nonGuarantees: [
    {
      property: "deniability",
      description: "MLS messages are signed with the member's credential key: not deniable.",
    },
    {
      property: "causal-ordering",
      description: "Application messages are delivered as they decrypt; causal history is used for gap detection only.",
    },
    {
      property: "sender-privacy",
      description: "Members learn every sender (by design); outsiders see only the topic and the epoch reference.",
    },
  ],
  decodingTree: groupV1DecodingTree,
  privacy: {
    contentTopicPolicy: {
      description:
        "The topic is a 6-byte hash of the group id, so unrelated groups may share it; outsiders who do not know the " +
        "group id cannot compute it. All members publish on it.",
      sharedBy: "all members of the group, and any group whose id hashes to the same 6 bytes",
      linkability:
        "Salted hints hide which group a message belongs to; the clear epoch_ref links messages of one epoch, a " +
        "commit's clear epoch_ref and new_epoch_ref link consecutive epochs, and sizes and timing remain observable.",
    },
    channelBinding: {
      description:
        "MLS binds every message to the group id and epoch (inside the AEAD and signature); the SDS channel id and " +
        "sender id are checked against the group and the MLS sender.",
      boundTo: ["MLS group id", "epoch", "sender leaf credential", "SDS channel_id"],
      movedToOtherConversation: "rejected",
      movedToOtherTopic: "rejected",
      provenBy: B,
    },
  },
  wireIdentity: {
    payload:
      "EncryptedPayload arm plaintext (1) holding a GroupV1Message, under the salted hint of the group id (32 hex " +
      "characters, a length no other type's id has) on the group's topic; MLS (the epoch's keys and the sender's " +
      "leaf signature) then authenticates it. Another arm under a group hint is not-for-me.",
    start:
      "No invite arm: a member joins by an MLS Welcome in a group_control frame (PrivateV1Frame field 12) of its " +
      "PrivateV1 conversation with the adder, so a group can only be started through Parley's PrivateV1.",
    libchat:
      "The id and delivery-address derivations are libchat's; the frames (GroupV1Message with epoch refs, fork " +
      "choice, control over PrivateV1) are ours. A libchat client cannot join (it reads no group_control), and a " +
      "libchat payload under a group id we hold fails the GroupV1Message decode or MLS with the tree's codes.",
    provenBy: TYPE_IDENTITY,
  },
};
