/**
 * @parley/core: the Conversations protocol in TypeScript. Pure: runs in Node and browsers.
 *
 * This entry is the API a chat application needs, exported by name (test/api/public-surface.test.ts lists it,
 * so it changes only on purpose). The other entries:
 * - `@parley/core/node`, `@parley/core/web`: the node:crypto and browser crypto providers;
 * - `@parley/core/testing`: MemoryStore, MemoryDelivery, VirtualClock, seeded randomness;
 *   `@parley/core/testing/store-conformance`: the Store contract as a vitest suite;
 * - `@parley/core/primitives`: Noise, Double Ratchet, SDS, segmentation;
 * - `@parley/core/wire`: the generated protobuf schemas;
 * - `@parley/core/internals`: the machinery behind the Client (engines, envelopes, hints, state records),
 *   for benchmarks and tests; no stability promise.
 */

// Bytes, time and the error base.
export {
  base64urlDecode,
  base64urlEncode,
  concatBytes,
  constantTimeEqual,
  fromHex,
  fromUtf8,
  toHex,
  utf8,
  zeroize,
} from "./base/bytes.js";
export { type Clock, systemClock, type TimerHandle } from "./base/clock.js";
export { ParleyError } from "./base/errors.js";

// The Client: configuration, events, history, groups, files, names, search.
export { Client, DEFAULT_CLIENT_CONFIG, type GroupControlMessage } from "./client/client.js";
export { ClientError, type ClientErrorCode, InboundError } from "./client/errors.js";
export { EventStream } from "./client/event-stream.js";
export {
  FILE_CHUNK_BYTES,
  type FileDescription,
  FileTransferError,
  fileChunks,
} from "./client/file-transfer.js";
export { type PeerName, PeerNames } from "./client/peer-names.js";
export {
  type SearchableHistory,
  type SearchHit,
  type SearchOptions,
  searchableText,
  searchHistory,
} from "./client/search.js";
export type {
  ClientConfig,
  ClientEvent,
  ClientOptions,
  ConversationInfo,
  DeliveryState,
  GroupInfo,
  GroupMemberInfo,
  GroupOptions,
  GroupStatus,
  HistoryItem,
  HistoryPage,
  HistoryPageQuery,
  InboundOutcome,
} from "./client/types.js";

// Content types and their codecs (custom content registers a ContentCodec).
export { type ContentCodec, ContentCodecs, ContentError, STANDARD_CODECS } from "./conversations/content/codec.js";
export { hasUnsafeChar } from "./conversations/content/domains.js";
export { isFileName, MAX_FILE_BYTES, MAX_FILE_NAME_BYTES } from "./conversations/content/file.js";
export { isDisplayName, MAX_DISPLAY_NAME, profile } from "./conversations/content/profile.js";
export {
  type Content,
  type CustomContent,
  type FileContent,
  isText,
  type LeaveContent,
  type ProfileContent,
  type TextContent,
  text,
  type UnsupportedContent,
} from "./conversations/content/types.js";

// Conversation types: their spec objects, names and errors.
export { GroupError, type GroupErrorCode } from "./conversations/group-v1/errors.js";
export { groupV1Spec } from "./conversations/group-v1/spec.js";
export { INBOX_V1 } from "./conversations/inbox-v1/address.js";
export { InboxError, type InboxErrorCode } from "./conversations/inbox-v1/errors.js";
export { inboxV1Spec } from "./conversations/inbox-v1/spec.js";
export { PRIVATE_V1, PrivateV1Error } from "./conversations/private-v1/session.js";
export { privateV1Spec } from "./conversations/private-v1/spec.js";

// Crypto providers (NodeCryptoProvider is in @parley/core/node, WebCryptoProvider in @parley/core/web).
export { CryptoError, type CryptoErrorCode } from "./crypto/errors.js";
export { type CryptoProviderOptions, NobleCryptoProvider } from "./crypto/noble.js";
export type {
  Blake2bOptions,
  CryptoProvider,
  Ed25519KeyPair,
  HashName,
  RandomSource,
  X25519KeyPair,
} from "./crypto/provider.js";
export { defaultRandom } from "./crypto/random.js";

// Delivery and storage: the interfaces a transport or a store implements.
export {
  type DeliveredMessage,
  type Delivery,
  type HistoryQuery,
  MAX_PAYLOAD_BYTES,
  type MessageHandler,
  type PublishErrorCode,
  type PublishResult,
} from "./framework/delivery.js";
// Custom conversation types: the spec vocabulary, the runtime interface and the registry that checks them.
export { MissingMustError, SpecError, type SpecErrorCode } from "./framework/errors.js";
export type {
  Command,
  ConversationStates,
  ConversationStatus,
  ConversationSummary,
  DeliveryRule,
  Effect,
  MemberSummary,
  Notice,
  Outgoing,
  ReadView,
  ReceiveOutcome,
  StartKind,
  StartRequest,
  StateRecords,
  StepContext,
  StepResult,
  TypeLifecycle,
} from "./framework/lifecycle.js";
// What relay missed, asked of a history service now and then (WakuDelivery, MemoryDelivery).
export { type MissedMessageHost, type MissedMessageOptions, MissedMessages } from "./framework/missed-messages.js";
export {
  type RegisteredType,
  type RegisterOptions,
  Registry,
  type RegistryOptions,
} from "./framework/registry.js";
export type {
  AcceptResult,
  AnyConversationTypeRuntime,
  ConversationRef,
  ConversationTypeRuntime,
  HintMatch,
  InboxClaim,
  OpenContext,
  OpenResult,
  SecretHintEnvelope,
  SecretHints,
  StartedConversation,
} from "./framework/runtime.js";
export {
  compareKeys,
  inRange,
  type ScanOptions,
  type Store,
  type StoreEntry,
  StoreError,
  type WriteOp,
} from "./framework/store.js";
export {
  type ContentTopicSpec,
  type ConversationIdSpec,
  type ConversationTypeSpec,
  type DecodingBranch,
  type DecodingNode,
  type DecodingOutcome,
  type DecodingTree,
  type Described,
  ENCRYPTED_PAYLOAD_ARMS,
  type EncodingSpec,
  type EncryptedPayloadArm,
  type EncryptionSpec,
  FRAMEWORK_DECODING_TREE,
  type FrameSpec,
  GUARANTEES,
  type Guarantee,
  type GuaranteeClaim,
  type MembershipSpec,
  type MoveOutcome,
  MUSTS,
  type MustName,
  PRIMITIVE_ROLES,
  type Primitive,
  type PrimitiveRole,
  type PrivacySpec,
  REQUIREMENT_TITLES,
  SHOULDS,
  type ShouldName,
} from "./framework/type-spec.js";
export { validateDecodingTree, validateSpec } from "./framework/validate-spec.js";

// Identity: intro bundles (how a contact is first reached) and the bundle key policy.
export { type BundlePolicy, DEFAULT_BUNDLE_POLICY } from "./identity/bundle-keys.js";
export { IntroBundleError, type IntroBundleErrorCode } from "./identity/errors.js";
export { INTRO_BUNDLE_PREFIX, type IntroBundle, type ParsedBundle, parseIntroBundle } from "./identity/intro-bundle.js";

// Errors of the layers below, for `instanceof` on the causes the Client reports.
export { NoiseError, type NoiseErrorCode } from "./primitives/noise/errors.js";
export { RatchetError, type RatchetErrorCode } from "./primitives/ratchet/errors.js";
export { SdsError, type SdsErrorCode } from "./primitives/sds/errors.js";
export { SegmentationError, type SegmentationErrorCode } from "./primitives/segmentation/errors.js";
