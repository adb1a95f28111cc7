import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";
import { carriedListBranches } from "../account-direct-v1/extension.js";
import { groupV1DecodingTree, groupV1Spec } from "../group-v1/extension.js";

const TYPE_IDENTITY = "packages/core/test/framework/type-identity.test.ts";
const S = "packages/core/test/client/account-self.test.ts";
const G = "packages/core/test/account-self-v1/guard.test.ts";

const [arm, message, content, , application] = groupV1DecodingTree.nodes;

/** GroupV1's tree, with the one-account roster rule at the commit (docs/ACCOUNTS.md §3). */
export const accountSelfV1DecodingTree = {
  root: "arm",
  nodes: [
    arm,
    message,
    content,
    {
      id: "commit",
      test: "MLS commit processing from the parent epoch, then the own-account roster rule",
      branches: [
        ...carriedListBranches,
        {
          when: "a member is a device of another account than this device's",
          next: { outcome: "badly-formed", reason: "roster-foreign-account" },
        },
        {
          when: "the account has no list held",
          next: { outcome: "badly-formed", reason: "roster-unknown-account" },
        },
        {
          when: "a device added is not on the account's newest list",
          next: { outcome: "badly-formed", reason: "roster-device-not-listed" },
        },
        {
          when: "a device kept is not on the account's newest list (revoked)",
          next: { outcome: "badly-formed", reason: "roster-device-revoked" },
        },
        {
          when: "the committer is not a member, or removed a listed device",
          next: { outcome: "badly-formed", reason: "roster-foreign-change" },
        },
        { when: "ok (a new epoch; the fork choice runs)", next: { outcome: "readable", frame: "GroupV1Message" } },
      ],
    },
    application,
  ],
} as const satisfies DecodingTree;

export type AccountSelfV1Reason = ReasonsOf<typeof accountSelfV1DecodingTree>;

/** AccountSelfV1: the group of one account's own devices (docs/ACCOUNTS.md §3). */
export const accountSelfV1Spec: ConversationTypeSpec = {
  ...groupV1Spec,
  name: "AccountSelfV1",
  version: 1,
  summary:
    "The group of one account's own devices: one GroupV1 group (same wire, fork choice, re-send rule and recovery) " +
    "whose roster is exactly the account's newest signed device list. Its application messages are not shown as " +
    "messages: they carry what the devices share (SelfPayload: the conversations each device is in, read markers, " +
    "the account's display name, and a newly linked device's history slice).",
  encryption: {
    ...groupV1Spec.encryption,
    description:
      "As GroupV1, with AccountDirectV1's credential (installation key || account key || XEdDSA signature by the " +
      "installation key over 'parley-account-direct-v1-credential' || account key || MLS signature key) and the " +
      "account's SignedDeviceList in group-context extension 0xFF02. Application messages hold a SelfPayload " +
      "(proto/logoschat/account/self.proto, format 1) instead of a ContentFrame.",
  },
  conversationId: {
    derivation: "lower_hex(MLS group id), the group id being the tag byte 0xA5 followed by 16 random bytes",
    format: "34 lowercase hex characters starting 'a5'",
    description:
      "Envelopes carry a salted hint of the conversation id; the tag tells it from the other engine types' ids.",
  },
  membership: {
    min: 1,
    max: 32,
    description:
      "The devices of one account (a list holds at most 32). The primary device creates the group at its first sweep " +
      "with an account; every member adds listed devices it has a PrivateV1 conversation with and removes devices " +
      "off the newest list, each in one commit. A device of another account is refused.",
  },
  guarantees: [
    ...(groupV1Spec.guarantees ?? []).filter(
      (g) => g.property !== "authentication" && g.property !== "post-compromise-security",
    ),
    {
      property: "authentication" as const,
      description:
        "Every payload is attributed to a device of the account through the MLS credential; every roster is checked " +
        "against the account's newest signed device list: a device of another account, an unlisted or revoked " +
        "device, a forged or forked list, are refused and change nothing.",
      provenBy: G,
    },
    {
      property: "post-compromise-security" as const,
      description:
        "Every commit carries an update path (GroupV1). A device revoked by a newer list is removed in one commit and " +
        "receives nothing the account's devices share after it.",
      provenBy: S,
    },
  ],
  decodingTree: accountSelfV1DecodingTree,
  wireIdentity: {
    payload:
      "GroupV1's: EncryptedPayload arm plaintext (1) holding a GroupV1Message, under the salted hint of the group id " +
      "(34 hex characters starting 'a5') on the group's topic.",
    start:
      "No invite arm: devices join by MLS Welcome in a group_control frame of a PrivateV1 conversation with the adder, " +
      "as GroupV1; an 'a5' id of 34 characters routes a control frame to this type (claimsControl).",
    libchat: "None: libchat has no accounts. Its payloads fail the GroupV1Message decode or MLS, as for GroupV1.",
    provenBy: TYPE_IDENTITY,
  },
};
