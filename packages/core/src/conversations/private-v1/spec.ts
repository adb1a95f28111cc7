import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";

/** The test that shows no other type's payload or invite is read as this one. */
const TYPE_IDENTITY = "packages/core/test/framework/type-identity.test.ts";

const T = "packages/core/test/private-v1/private-v1.test.ts";
const C = "packages/core/test/client/client.test.ts";
const O = "packages/core/test/reliability/outages.test.ts";
const S = "packages/core/test/reliability/scenario.test.ts";
const R = "packages/core/test/private-v1/reset.test.ts";
const H = "packages/core/test/reliability/hostile.test.ts";

/** The decoding tree; `PrivateV1Reason` (its badly-formed codes) types the runtime's failures. */
export const privateV1DecodingTree = {
  root: "arm",
  nodes: [
    {
      id: "arm",
      test: "EncryptedPayload arm",
      branches: [
        { when: "private_v1_session_reset", next: "reset" },
        { when: "not doubleratchet", next: { outcome: "badly-formed", reason: "unexpected-encryption" } },
        { when: "otherwise", next: "ratchet" },
      ],
    },
    {
      id: "ratchet",
      test: "Double Ratchet decrypt",
      branches: [
        { when: "header fields invalid", next: { outcome: "badly-formed", reason: "malformed-header" } },
        { when: "low-order dh", next: { outcome: "badly-formed", reason: "low-order-key" } },
        {
          when: "a resend of a message already opened, or its key already used",
          next: { outcome: "badly-formed", reason: "replay" },
        },
        { when: "skipped key expired", next: { outcome: "badly-formed", reason: "expired" } },
        { when: "more than max_skip ahead", next: { outcome: "badly-formed", reason: "too-far-ahead" } },
        { when: "unknown chain", next: { outcome: "badly-formed", reason: "unknown-chain" } },
        { when: "AEAD fails", next: { outcome: "badly-formed", reason: "auth-failed" } },
        { when: "ok", next: "sds" },
      ],
    },
    {
      id: "sds",
      test: "SdsMessage decode and checks",
      branches: [
        { when: "not an SDS message", next: { outcome: "badly-formed", reason: "sds-malformed" } },
        {
          when: "channel_id is not this conversation's",
          next: { outcome: "badly-formed", reason: "sds-wrong-channel" },
        },
        { when: "sender_id is our own id", next: { outcome: "badly-formed", reason: "sds-own-message" } },
        { when: "sender_id is not the peer's id", next: { outcome: "badly-formed", reason: "sds-sender-mismatch" } },
        {
          when: "must wait for dependencies and the buffer of waiting messages is full (the sender resends it)",
          next: { outcome: "badly-formed", reason: "sds-buffer-full" },
        },
        {
          when: "ok (delivered, buffered, duplicate or sync)",
          next: { outcome: "readable", frame: "PrivateV1Frame" },
        },
      ],
    },
    {
      id: "reset",
      test: "session reset (reset.ts): generation, then the tag over the transcript",
      branches: [
        {
          when: "this client was built without its identity key",
          next: { outcome: "badly-formed", reason: "reset-unsupported" },
        },
        {
          when: "generation not newer (and not a winning concurrent reset)",
          next: { outcome: "badly-formed", reason: "reset-replay" },
        },
        { when: "tag does not verify", next: { outcome: "badly-formed", reason: "reset-auth-failed" } },
        { when: "ok (the next generation starts; no frame)", next: { outcome: "readable", frame: "PrivateV1Frame" } },
      ],
    },
  ],
} as const satisfies DecodingTree;

export type PrivateV1Reason = ReasonsOf<typeof privateV1DecodingTree>;

/** PrivateV1 (PRIVATE1 `ac0d17a`) as Parley implements it; decisions in docs/PROTOCOL.md. */
export const privateV1Spec: ConversationTypeSpec = {
  name: "PrivateV1",
  version: 1,
  summary:
    "Two-party conversation started by an InboxV1 invite: content is segmented, made reliable with SDS and " +
    "encrypted with the Double Ratchet (libchat KDFs).",
  encryption: {
    scheme: "Double Ratchet (Signal) with libchat's KDFs",
    description:
      "sk = first Split() key of the InboxV1 handshake; the initiator ratchets against the bundle key (rsk), the " +
      "responder starts from the bundle key pair. Root KDF HKDF(HMAC-BLAKE2b-512, info DoubleRatchetRootKey); chain " +
      "KDF keyed BLAKE2b-256 personal mk/ck; ChaCha20-Poly1305 with a random 12-byte nonce; AAD = 'PrivateV1' || " +
      "initiator installation key || responder installation key || dh || n || pn. max_skip 1000, skipped keys expire " +
      "after 7 days (both configurable). A resend is the same sealed ciphertext (never a new ratchet message). A " +
      "conversation whose ratchets diverged beyond repair starts its next generation with a session reset " +
      "(EncryptedPayload arm private_v1_session_reset = 6): sk' = HKDF-BLAKE2b-512(DH(e, S_peer) || DH(S_self, " +
      "S_peer)), authenticated by a ChaCha20-Poly1305 tag over the transcript; see reset.ts.",
    primitives: [
      { role: "ratchet", name: "Double Ratchet" },
      { role: "dh", name: "X25519" },
      { role: "aead", name: "ChaCha20-Poly1305" },
      { role: "kdf", name: "HKDF over HMAC-BLAKE2b-512 (root), keyed BLAKE2b-256 (chain)" },
      { role: "hash", name: "BLAKE2b-128 (frame and SDS ids), Keccak-256 (segment hash)" },
    ],
    payloadArms: ["doubleratchet", "privateV1SessionReset"],
  },
  frames: [
    {
      name: "PrivateV1Frame",
      schema: "logoschat.convos.private_v1.PrivateV1Frame",
      description:
        "conversation_id = 1 (the sender's local id), sender = 2 (empty), timestamp = 3 (ms, strictly increasing per " +
        "sender), oneof content = 10 (a ContentFrame; the only arm given to the application), placeholder = 11, " +
        "group_control = 12 (Parley: GroupV1 key packages and welcomes).",
    },
    {
      name: "SdsMessage",
      schema: "logoschat.sds.SdsMessage",
      description: "The ratchet plaintext: one SDS message per segment, or a sync message.",
    },
    {
      name: "SegmentMessage",
      schema: "logoschat.segmentation.SegmentMessage",
      description: "Every frame is wrapped, count >= 1, no parity, at most 255 segments of 100,000 bytes.",
    },
    {
      name: "ContentFrame",
      schema: "logoschat.content.ContentFrame",
      description: "Application content: domain_id, tag, payload; text = (0, 1).",
    },
  ],
  encoding: {
    format: "protobuf3",
    description: "Each layer is an encoded protobuf inside the bytes field of the layer around it.",
    layers: [
      "EnvelopeV1",
      "EncryptedPayload.doubleratchet",
      "SdsMessage",
      "SegmentMessage",
      "PrivateV1Frame",
      "ContentFrame",
    ],
    schemaFiles: [
      "logoschat/envelope/envelope.proto",
      "logoschat/encryption/encryption.proto",
      "logoschat/sds/sds.proto",
      "logoschat/segmentation/segmentation.proto",
      "logoschat/convos/private_v1/private_v1.proto",
      "logoschat/content/content.proto",
    ],
  },
  contentTopic: {
    template: "/logos-chat/1/{delivery_address}/proto",
    deliveryAddress:
      "lower_hex(BLAKE2b(dkLen 2, u8(9) || 'PrivateV1' || BLAKE2b(key = sk, dkLen 18, personal 'L-PV1-CID')))",
    description: "One topic per conversation, both directions; only the two participants can derive it.",
  },
  conversationId: {
    derivation:
      "base = BLAKE2b(key = sk, dkLen 18, personal 'L-PV1-CID'); id(role) = lower_hex(BLAKE2b-144(base || 'I' or 'R')) " +
      "(libchat); the initiator's local id uses 'I'",
    format: "36 lowercase hex characters, one per direction",
    description: "Envelopes carry the salted hint of the recipient's local id.",
  },
  membership: { min: 2, max: 2, description: "Exactly the initiator and the responder of one InboxV1 handshake." },
  guarantees: [
    { property: "confidentiality", description: "Double Ratchet AEAD.", provenBy: T },
    { property: "integrity", description: "Tampered payloads fail the AEAD with no state change.", provenBy: T },
    {
      property: "mutual-authentication",
      description:
        "sk comes from the mutually authenticated InboxV1 handshake; the AAD binds both installation keys. A session " +
        "reset is accepted only from the peer's installation (static-static DH in its key, a tag checked in constant " +
        "time): a forged, tampered or third-party reset is refused with no state change.",
      provenBy: R,
    },
    {
      property: "forward-secrecy",
      description:
        "Message keys are deleted after use; a later state cannot open earlier messages. Limit: the first chain " +
        "after a session reset rests on DH with the responder's installation key until it replies, so a later theft " +
        "of that key exposes those messages; resets are a rate-limited repair (at most one per 30 minutes).",
      provenBy: T,
    },
    {
      property: "post-compromise-security",
      description: "After a state leak, secrecy returns once both sides have ratcheted.",
      provenBy: T,
    },
    {
      property: "replay-protection",
      description:
        "A replayed payload is recognised (by its ciphertext, or the ratchet refuses a used key) and never delivered " +
        "twice; the application sees each message once (permanent message index); a replayed session reset is " +
        "refused (its generation is not newer). Every payload opened (acknowledgements too) keeps a receipt of its " +
        "ciphertext (the last 1,000), so a copy that comes again after its chain is gone (a catch-up reaching back " +
        "over the conversation) is a replay, not an error.",
      provenBy: R,
    },
    {
      property: "dropped-message-observability",
      description:
        "Acknowledgements are exact: `acked` means the peer's application got the message (no transitive or " +
        "Bloom-filter acks). A message is resent with backoff until acknowledged or 7 days old, then reported `lost`; " +
        "the receiver reports a missing message lost (`message-lost`) a day after that and delivers what followed " +
        "it; a late acknowledgement moves `lost` to `acked`. Dropped or unsupported frames are `frame-dropped` events.",
      provenBy: O,
    },
    {
      property: "causal-ordering",
      description:
        "SDS delivers in causal order; a sender's frames arrive in the order sent, across partitions of hours and " +
        "days, bursts beyond max_skip and lossy, reordering networks.",
      provenBy: S,
    },
    {
      property: "bounded-cost",
      description:
        "What the authenticated peer can make us hold is bounded per conversation: of each SDS message at most 16 " +
        "unknown dependencies are awaited; messages waiting for dependencies at most 1,000 (32 MiB, 1,000 awaited ids " +
        "in all), beyond which a message is refused `sds-buffer-full` with nothing changed (its resend comes back); " +
        "waiting messages are released once their dependencies are declared lost, and at most 256 lost ids are " +
        "remembered. Parts of incomplete multi-segment frames are store records of their own (one per part), at most " +
        "8 frames and 255 x 100,000 bytes, dropped `segment-expired` at the incoming-lost bound or `segment-evicted` " +
        "(oldest first) beyond the bound, both reported as frame-dropped. After a segment bomb (254 of 255 " +
        "segments) and a dependency bomb (100 messages citing 1,000 unknown ids each), later messages write within " +
        "2x what they write in a conversation never attacked, and nothing of either is left after the bounds.",
      caveat:
        "Until the incoming-lost bound passes (8 days by default), the peer's own later messages wait behind what " +
        "it withheld, and its partial frames keep up to 25.5 MB of records and memory per conversation.",
      provenBy: H,
    },
    { property: "deniability", description: "No signatures on messages: authentication is by shared keys only." },
    { property: "unlinkable-hints", description: "Salted per-message hints.", provenBy: C },
  ],
  decodingTree: privateV1DecodingTree,
  privacy: {
    contentTopicPolicy: {
      description:
        "The topic is derived from the conversation secret, so outsiders cannot compute it; 2 bytes make it shared by " +
        "many conversations at scale. Both directions use it, so an observer of the topic cannot tell who sent.",
      sharedBy: "every conversation whose secret hashes to the same 2-byte address",
      linkability:
        "Within a topic, salted hints keep messages of one conversation unlinkable; timing and sizes remain observable.",
    },
    channelBinding: {
      description:
        "Ciphertexts are bound to the conversation's ratchet keys and, through the AAD, to both installation keys; the " +
        "SDS channel id and sender id and the frame's conversation id are checked after decryption.",
      boundTo: ["conversation keys (sk)", "both installation keys", "SDS channel_id", "frame conversation_id"],
      movedToOtherConversation: "rejected",
      movedToOtherTopic: "rejected",
      provenBy: T,
    },
  },
  wireIdentity: {
    payload:
      "The hint (salted BLAKE2s, or raw) designates a PrivateV1 local id (36 hex characters, a length no other " +
      "type's id has) on the conversation's topic, and the arm is doubleratchet (2) or private_v1_session_reset (6); " +
      "the AEAD, whose associated data starts with 'PrivateV1' and both installation keys, then authenticates it.",
    start:
      "An InboxV1 invite arm invite_private_v1 whose discriminator (InvitePrivateV1 field 5) is " +
      "'parley/private-v1/1' (PRIVATE_V1_DISCRIMINATOR: our type, version 1). 'default' and '' (Parley before the " +
      "type was named) are read as the same version: they arrive only inside Parley's Noise inbox handshakes. Any " +
      "other value is refused with invite-unknown-discriminator and stores nothing.",
    libchat:
      "Same ids, KDFs and frame numbers, but libchat has no session reset, exact SDS acknowledgements or our " +
      "segmentation rules. Its invites say 'default' inside its inbox_handshake arm, which our InboxV1 refuses; " +
      "ours say 'parley/private-v1/1', which a receiver expecting 'default' refuses instead of starting a " +
      "conversation it only partly speaks.",
    provenBy: TYPE_IDENTITY,
  },
};
