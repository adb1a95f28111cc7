import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";

/** The test that shows no other type's payload or invite is read as this one. */
const TYPE_IDENTITY = "packages/core/test/framework/type-identity.test.ts";

const T = "packages/core/test/inbox-v1/inbox-v1.test.ts";
const U = "packages/core/test/inbox-v1/unlinkable.test.ts";
const C = "packages/core/test/client/client.test.ts";
const I = "packages/core/test/client/invites.test.ts";

/** The decoding tree; `InboxV1Reason` (its badly-formed codes) types the runtime's failures. */
export const inboxV1DecodingTree = {
  root: "arm",
  nodes: [
    {
      id: "arm",
      test: "EncryptedPayload arm, and how the envelope was addressed",
      branches: [
        { when: "noise_inbox_handshake_v2, recognised by its secret hint (secretHints)", next: "key" },
        { when: "noise_inbox_handshake (version 1) under the inbox id's hint", next: "key" },
        { when: "otherwise", next: { outcome: "badly-formed", reason: "unexpected-encryption" } },
      ],
    },
    {
      id: "key",
      test: "key_ref against the inbox's bundle keys (version 2: recomputed under es for each kept key)",
      branches: [
        { when: "key_ref not 4 bytes", next: { outcome: "badly-formed", reason: "handshake-malformed" } },
        { when: "es unusable (low-order ephemeral)", next: { outcome: "badly-formed", reason: "handshake-failed" } },
        { when: "key expired", next: { outcome: "badly-formed", reason: "bundle-key-expired" } },
        { when: "single-use key already used", next: { outcome: "badly-formed", reason: "bundle-key-used" } },
        { when: "key rotated away", next: { outcome: "badly-formed", reason: "bundle-key-rotated" } },
        { when: "no such key", next: { outcome: "badly-formed", reason: "unknown-bundle-key" } },
        { when: "found", next: "noise" },
      ],
    },
    {
      id: "noise",
      test: "Noise readMessage",
      branches: [
        { when: "field sizes wrong", next: { outcome: "badly-formed", reason: "handshake-malformed" } },
        { when: "AEAD or key check fails", next: { outcome: "badly-formed", reason: "handshake-failed" } },
        { when: "ok", next: "frame" },
      ],
    },
    {
      id: "frame",
      test: "InboxV1Frame decode and arm",
      branches: [
        { when: "decode fails", next: { outcome: "badly-formed", reason: "inbox-frame-decode" } },
        { when: "no arm", next: { outcome: "badly-formed", reason: "inbox-frame-empty" } },
        { when: "no type claims the arm", next: { outcome: "badly-formed", reason: "unclaimed-invite" } },
        // The claimant's refusals (framework INVITE_REFUSALS, the only codes an InboxClaim may return).
        { when: "claimant: not an invite it reads", next: { outcome: "badly-formed", reason: "invite-malformed" } },
        {
          when: "claimant: unknown discriminator",
          next: { outcome: "badly-formed", reason: "invite-unknown-discriminator" },
        },
        {
          when: "claimant: the conversation is already known (a replayed invite)",
          next: { outcome: "badly-formed", reason: "conversation-exists" },
        },
        {
          when: "claimant: the invite's initial message does not open",
          next: { outcome: "badly-formed", reason: "invite-initial-refused" },
        },
        { when: "accepted", next: { outcome: "readable", frame: "InboxV1Frame" } },
      ],
    },
  ],
} as const satisfies DecodingTree;

export type InboxV1Reason = ReasonsOf<typeof inboxV1DecodingTree>;

/** InboxV1 as Parley implements it (DESIGN §3; INBOX spec `3d4eac0` "XK0" with the decisions in docs/PROTOCOL.md). */
export const inboxV1Spec: ConversationTypeSpec = {
  name: "InboxV1",
  version: 2,
  summary:
    "Receive-only entry point of one installation: carries invites that start conversations with it, sealed " +
    "in the Noise one-message handshake against a key of the installation's intro bundle. Version 2 addresses " +
    "each invite so that only its recipient can recognise it; version-1 invites are still read, never sent.",
  encryption: {
    scheme: "Noise_XK0_25519_ChaChaPoly_BLAKE2b",
    description:
      "Responder pre-message <- e, s (bundle key, installation key), then one message -> e, ee, es, s, se with " +
      "prologue 'logoschat/InboxV1'. The initiator's static key and the InboxV1Frame travel encrypted. The first " +
      "Split() key is the started conversation's 32-byte secret sk. Version 2 keys the invite's address with the " +
      "handshake's es = X25519(e, S) = X25519(s, E): invite id = lower_hex(BLAKE2b(dkLen 32, key es, personal " +
      "'InboxV1-invite', E || S)), key_ref = BLAKE2b(dkLen 4, key es, personal 'InboxV1-keyref', E || bundle key).",
    primitives: [
      { role: "handshake", name: "Noise XK0 one-message pattern" },
      { role: "dh", name: "X25519" },
      { role: "aead", name: "ChaCha20-Poly1305" },
      { role: "hash", name: "BLAKE2b-512" },
      { role: "kdf", name: "HKDF over HMAC-BLAKE2b-512 (Noise)" },
      { role: "mac", name: "BLAKE2b keyed by es (invite id, key_ref)" },
      { role: "signature", name: "XEdDSA over the bundle key (intro bundle)" },
    ],
    payloadArms: ["noiseInboxHandshakeV2", "noiseInboxHandshake"],
  },
  frames: [
    {
      name: "InboxV1Frame",
      schema: "logoschat.inbox.InboxV1Frame",
      description:
        "oneof invite_private_v1 = 1 (libchat's arm); GroupV1 Welcomes travel over PrivateV1 instead. Never application content.",
    },
    {
      name: "InvitePrivateV1",
      schema: "logoschat.invite.InvitePrivateV1",
      description:
        "discriminator = 5 (the started type and version: 'parley/private-v1/1'; 'default' from Parley before it " +
        "named the type), initial_message = 6: the first PrivateV1 payload (a Doubleratchet arm).",
    },
    {
      name: "NoiseInboxHandshakeV2",
      schema: "logoschat.encryption.NoiseInboxHandshakeV2",
      description:
        "EncryptedPayload arm noise_inbox_handshake_v2 = 5, sent: ephemeral (32), key_ref (4) keyed by es, " +
        "encrypted_static (48), encrypted_payload. The envelope's hint is the salted hint of the invite id.",
    },
    {
      name: "NoiseInboxHandshakeV1",
      schema: "logoschat.encryption.NoiseInboxHandshakeV1",
      description:
        "Arm noise_inbox_handshake = 4, read only (version 1): the same Noise message with key_ref = " +
        "BLAKE2b-512('WAP' || bundle key)[0..4], under the salted hint of the inbox id.",
    },
  ],
  encoding: {
    format: "protobuf3",
    description:
      "The handshake message is split into protobuf fields; its Noise length bound (65,535 bytes) still applies.",
    layers: ["EnvelopeV1", "EncryptedPayload.noise_inbox_handshake_v2", "InboxV1Frame", "InvitePrivateV1"],
    schemaFiles: [
      "logoschat/envelope/envelope.proto",
      "logoschat/encryption/encryption.proto",
      "logoschat/inbox/inbox.proto",
      "logoschat/invite/invite.proto",
    ],
  },
  contentTopic: {
    template: "/logos-chat/1/{delivery_address}/proto",
    deliveryAddress: "lower_hex(BLAKE2b(dkLen 2, u8(7) || 'InboxV1' || installation public key))",
    description:
      "Derivable from the intro bundle alone, so the initiator needs nothing else. Two bytes: 65,536 topics shared " +
      "by many identities at scale.",
  },
  conversationId: {
    derivation: "lower_hex(BLAKE2b-512(installation public key)) (libchat)",
    format: "128 lowercase hex characters",
    description:
      "One inbox per installation. The id is public (it follows from the bundle), so version 2 never puts it on " +
      "the wire: each invite is hinted by its own secret invite id (see Encryption); version-1 envelopes carried " +
      "the salted hint of this id.",
  },
  membership: {
    min: 1,
    max: 1,
    description: "Only its owner reads an inbox; anyone holding an intro bundle may write to it.",
  },
  guarantees: [
    { property: "confidentiality", description: "Frame and initiator key encrypted under ee/es/se.", provenBy: T },
    { property: "integrity", description: "Any modified byte fails the AEAD: handshake-failed.", provenBy: T },
    {
      property: "mutual-authentication",
      description: "es authenticates the responder, se the initiator.",
      provenBy: T,
    },
    {
      property: "sender-privacy",
      description: "The initiator's static key is encrypted; only the recipient learns it.",
      provenBy: T,
    },
    {
      property: "forward-secrecy",
      description:
        "ee with the bundle key: once the bundle key is retired (expiry, rotation, single use) invites sealed to it cannot be opened.",
      caveat:
        "While a bundle key is live, its compromise together with the installation key exposes invites sealed to it.",
      provenBy: T,
    },
    {
      property: "replay-protection",
      description:
        "A replayed invite derives the same conversation id and is refused (conversation-exists); no second conversation.",
      provenBy: C,
    },
    {
      property: "unlinkable-hints",
      description:
        "The envelope hint (salted hint of the invite id) and key_ref are keyed by the handshake's es: only the " +
        "recipient (installation secret) and the initiator (ephemeral secret) can compute them, so nothing an " +
        "observer holding every bundle on the topic can compute depends on which inbox an invite is for. The " +
        "recipient recognises an invite with one X25519, however many bundles it issued.",
      caveat:
        "Version-1 invites (read for compatibility, never sent) carry the inbox id's salted hint and a public " +
        "key_ref: any bundle holder links them. Whoever holds the recipient's installation secret can recognise " +
        "its invites, past ones included (reading them also needs the bundle key). Resends of one invite repeat " +
        "its handshake bytes: linkable to each other, not to a recipient.",
      provenBy: U,
    },
    {
      property: "recipient-privacy",
      description:
        "An observer of the inbox topic learns that an invite reached one of the identities sharing the topic's " +
        "2-byte address, not which one, nor from whom.",
      caveat: "Within the topic's anonymity set only: the topic itself follows from the public installation key.",
      provenBy: U,
    },
  ],
  nonGuarantees: [
    {
      property: "deniability",
      description: "Not analysed; the static-static term is absent (only es and se), as in Noise XK.",
    },
  ],
  decodingTree: inboxV1DecodingTree,
  bounds: [
    {
      resource: "conversations started by invites (Client, accept mode)",
      bound: "config.invites.perWindow per windowMs (default 100 a minute, sliding, counted in memory).",
      description:
        "Checked after the invite authenticates and before anything of it is stored; an invite over the rate " +
        "is dropped with an invite-dropped event (reason rate) and writes nothing, so its sender's resend is " +
        "admitted once the window allows.",
      attackerCost:
        "Accept mode has no total: a flood from fresh installations adds perWindow conversations (about 2 KB of " +
        "store and one topic subscription each) every window for as long as it lasts, and keeps the window full, " +
        "so legitimate invites wait for a resend after it (delayed, not lost while their senders resend). " +
        "Request mode bounds the total.",
      provenBy: I,
    },
    {
      resource: "message requests (Client, request mode)",
      bound:
        "config.invites.maxPending pending at once (default 100), each at most one invite (Noise message <= 65,535 " +
        "bytes) plus the PrivateV1 state; deleted after requestTtlMs (default 7 days).",
      description:
        "A request stores nothing else: no conversation record, state, history or subscription, and nothing is " +
        "sent (no acknowledgement) until the application accepts it. Refusing deletes it and keeps a refusal mark " +
        "(id and expiry, at most 1,000, each expiring with the bundle lifetime) so resends do not raise it again.",
      attackerCost:
        "An attacker can keep the pending list full (about 70 KB each at worst): new invites are then dropped " +
        "(reason cap) until the application refuses requests or they expire, so new contacts reach the user only " +
        "by retrying. Existing conversations are unaffected.",
      provenBy: I,
    },
    {
      resource: "CPU per invite",
      bound: "Not bounded by the client: each envelope is processed once.",
      description:
        "Recognising an invite costs one X25519 and two BLAKE2 (every envelope on the topic pays this); an " +
        "authentic one costs the Noise handshake and the PrivateV1 initiation before the rate check: about 1-2 ms " +
        "with native crypto.",
      attackerCost:
        "Whatever rate the attacker can publish at on the inbox topic (Waku's relay rate limits bound it on the " +
        "network, not here); dropped invites cost CPU only, never store.",
      provenBy: I,
    },
    {
      resource: "group invitations and key-package requests over accepted conversations",
      bound:
        "config.invites.groupControlPerSender per windowMs per pairwise peer (default 50 a minute) for control " +
        "frames that create state (key-package request, welcome, re-welcome request).",
      description:
        "They arrive over a PrivateV1 conversation the user accepted, so their sender is authenticated and " +
        "consented to; over the bound the frame is consumed without effect and reported (invite-dropped, source " +
        "group-control); the group engine's timeouts and re-welcome paths recover a legitimate one.",
      attackerCost:
        "An accepted contact can make the client create up to that many key packages or group joins per minute " +
        "until the user deletes the conversation.",
      provenBy: I,
    },
  ],
  privacy: {
    contentTopicPolicy: {
      description:
        "The inbox topic is derived from the public installation key, so the initiator needs nothing but the " +
        "bundle, and anyone holding the bundle can watch it. A 2-byte address makes the topic shared by every " +
        "identity hashing to it. Version-2 envelopes carry nothing that names the recipient: hint and key_ref are " +
        "keyed by the handshake's es, the initiator's key is encrypted.",
      sharedBy: "every installation whose key hashes to the same 2-byte address",
      linkability:
        "An observer holding every bundle on the topic sees that an invite reached the topic, not for which of " +
        "its identities, nor from whom; it can link resends of one invite to each other (same handshake bytes). " +
        "Version-1 invites are linkable to their recipient by any bundle holder; a holder of the recipient's " +
        "installation secret can recognise that recipient's invites.",
    },
    channelBinding: {
      description:
        "The handshake hashes the recipient's bundle key and installation key and the prologue. Only the " +
        "initiator and the recipient can address an invite (its hint is keyed by es), so it cannot be re-addressed " +
        "to another inbox; under another inbox's public id hint it is refused (unexpected-encryption), and on " +
        "another topic no inbox of the recipient is subscribed.",
      boundTo: ["recipient installation key", "bundle key", "prologue 'logoschat/InboxV1'"],
      movedToOtherConversation: "rejected",
      movedToOtherTopic: "rejected",
      provenBy: T,
    },
  },
  wireIdentity: {
    payload:
      "Parley's Noise inbox handshakes: noise_inbox_handshake_v2 (arm 5) under the salted hint of the invite's own " +
      "secret id (64 hex characters), which only the recipient can test (secretHints); version 1's " +
      "noise_inbox_handshake (arm 4) under the hint of the inbox id (128 hex characters). Any other arm under an " +
      "inbox hint is unexpected-encryption.",
    start:
      "An inbox exists with its installation key and is started by nobody. The invites it carries start other " +
      "types: the InboxV1Frame arm names the claiming type (invite_private_v1 = 1: PrivateV1), and that type's own " +
      "field names its version (PrivateV1's discriminator).",
    libchat:
      "libchat's InboxV1 sends an X3DH-style inbox_handshake (arm 3) under the raw inbox id; we refuse it with " +
      "unexpected-encryption and store nothing, and libchat does not know arms 4 and 5. Only the inbox id " +
      "derivation and the InboxV1Frame arm are shared.",
    provenBy: TYPE_IDENTITY,
  },
};
