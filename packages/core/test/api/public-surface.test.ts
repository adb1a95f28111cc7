/**
 * The public surface of @parley/core, by name: this list changes only on purpose. Internals (engines, KDFs,
 * envelope codecs, test doubles) live in the subpath entries (`/internals`, `/primitives`, `/wire`,
 * `/testing`); a name that leaks into the main entry, or one that disappears from it, fails here.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as core from "../../src/index.js";

const ENTRY = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

const VALUES = [
  "Client",
  "ClientError",
  "ContentCodecs",
  "ContentError",
  "CryptoError",
  "DEFAULT_BUNDLE_POLICY",
  "DEFAULT_CLIENT_CONFIG",
  "ENCRYPTED_PAYLOAD_ARMS",
  "EventStream",
  "FILE_CHUNK_BYTES",
  "FRAMEWORK_DECODING_TREE",
  "FileTransferError",
  "GUARANTEES",
  "GroupError",
  "INBOX_V1",
  "INTRO_BUNDLE_PREFIX",
  "InboundError",
  "InboxError",
  "IntroBundleError",
  "MAX_DISPLAY_NAME",
  "MAX_FILE_BYTES",
  "MAX_FILE_NAME_BYTES",
  "MAX_PAYLOAD_BYTES",
  "MUSTS",
  "MissingMustError",
  "NobleCryptoProvider",
  "NoiseError",
  "PRIMITIVE_ROLES",
  "PRIVATE_V1",
  "ParleyError",
  "PeerNames",
  "PrivateV1Error",
  "REQUIREMENT_TITLES",
  "RatchetError",
  "Registry",
  "SHOULDS",
  "STANDARD_CODECS",
  "SdsError",
  "SegmentationError",
  "SpecError",
  "StoreError",
  "base64urlDecode",
  "base64urlEncode",
  "compareKeys",
  "concatBytes",
  "constantTimeEqual",
  "defaultRandom",
  "fileChunks",
  "fromHex",
  "fromUtf8",
  "groupV1Spec",
  "hasUnsafeChar",
  "inRange",
  "inboxV1Spec",
  "isDisplayName",
  "isFileName",
  "isText",
  "parseIntroBundle",
  "privateV1Spec",
  "profile",
  "searchHistory",
  "searchableText",
  "systemClock",
  "text",
  "toHex",
  "utf8",
  "validateDecodingTree",
  "validateSpec",
  "zeroize",
];

const TYPES = [
  "AcceptResult",
  "AnyConversationTypeRuntime",
  "Blake2bOptions",
  "BundlePolicy",
  "ClientConfig",
  "ClientErrorCode",
  "ClientEvent",
  "ClientOptions",
  "Clock",
  "Content",
  "ContentCodec",
  "ContentTopicSpec",
  "ConversationIdSpec",
  "ConversationInfo",
  "ConversationRef",
  "ConversationTypeRuntime",
  "ConversationTypeSpec",
  "CryptoErrorCode",
  "CryptoProvider",
  "CryptoProviderOptions",
  "CustomContent",
  "DecodingBranch",
  "DecodingNode",
  "DecodingOutcome",
  "DecodingTree",
  "DeliveredMessage",
  "Delivery",
  "DeliveryState",
  "Described",
  "Ed25519KeyPair",
  "EncodingSpec",
  "EncryptedPayloadArm",
  "EncryptionSpec",
  "FileContent",
  "FileDescription",
  "FrameSpec",
  "GroupControlMessage",
  "GroupErrorCode",
  "GroupInfo",
  "GroupMemberInfo",
  "GroupOptions",
  "GroupStatus",
  "Guarantee",
  "GuaranteeClaim",
  "HashName",
  "HintMatch",
  "HistoryItem",
  "HistoryPage",
  "HistoryPageQuery",
  "HistoryQuery",
  "InboundOutcome",
  "InboxClaim",
  "InboxErrorCode",
  "IntroBundle",
  "IntroBundleErrorCode",
  "LeaveContent",
  "MembershipSpec",
  "MessageHandler",
  "MoveOutcome",
  "MustName",
  "NoiseErrorCode",
  "OpenContext",
  "OpenResult",
  "ParsedBundle",
  "PeerName",
  "Primitive",
  "PrimitiveRole",
  "PrivacySpec",
  "ProfileContent",
  "PublishErrorCode",
  "PublishResult",
  "RandomSource",
  "RatchetErrorCode",
  "RegisteredType",
  "RegistryOptions",
  "ScanOptions",
  "SdsErrorCode",
  "SearchHit",
  "SearchOptions",
  "SearchableHistory",
  "SecretHintEnvelope",
  "SecretHints",
  "SegmentationErrorCode",
  "ShouldName",
  "SpecErrorCode",
  "StartedConversation",
  "Store",
  "StoreEntry",
  "TextContent",
  "TimerHandle",
  "UnsupportedContent",
  "WriteOp",
  "X25519KeyPair",
];

/** Every name the entry exports, values and types, as the compiler sees them. */
function exportedNames(): { values: string[]; types: string[] } {
  const program = ts.createProgram([ENTRY], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
  }
  return { values: values.sort(), types: types.sort() };
}

describe("@parley/core public surface", () => {
  it("exports exactly the listed values at run time", () => {
    expect(Object.keys(core).sort()).toEqual(VALUES);
  });

  it("exports exactly the listed values and types to the compiler", () => {
    expect(exportedNames()).toEqual({ values: VALUES, types: TYPES });
  });

  it("keeps internals out: engines, KDFs, codecs and test doubles are in the subpath entries", () => {
    for (const name of [
      "kdfChain",
      "SeededPrng",
      "GroupV1Engine",
      "PrivateV1Engine",
      "DoubleRatchet",
      "Sds",
      "sealEnvelope",
      "MemoryStore",
      "MemoryDelivery",
      "VirtualClock",
      "wire",
    ])
      expect(core, name).not.toHaveProperty(name);
  });
});
