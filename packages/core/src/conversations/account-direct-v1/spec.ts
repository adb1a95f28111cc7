import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";
import { groupV1DecodingTree, groupV1Spec } from "../group-v1/extension.js";

const TYPE_IDENTITY = "packages/core/test/framework/type-identity.test.ts";
const D = "packages/core/test/account-direct-v1/devices.test.ts";
const R = "packages/core/test/account-direct-v1/roster.test.ts";

const [arm, message, content, , application] = groupV1DecodingTree.nodes;

/** The commit's first checks: MLS, then the device lists it carries (AccountSelfV1 shares them). */
export const carriedListBranches = [
  {
    when: "same commit already processed under other clear fields (nothing is written)",
    next: { outcome: "badly-formed", reason: "replay" },
  },
  { when: "MLS rejects it", next: { outcome: "badly-formed", reason: "bad-message" } },
  {
    when: "the device-lists extension is missing or not of format 1",
    next: { outcome: "badly-formed", reason: "roster-lists-malformed" },
  },
  {
    when: "a carried device list does not verify (any device-list-* refusal but a rollback)",
    next: { outcome: "badly-formed", reason: "roster-list-forged" },
  },
  {
    when: "a carried list has the version of the one held with other contents",
    next: { outcome: "badly-formed", reason: "roster-list-fork" },
  },
] as const;

/**
 * GroupV1's tree, with the roster rule at the commit (docs/ACCOUNTS.md §3). The same codes refuse a Welcome
 * (a group joined whose roster breaks the rule), through the pairwise control channel.
 */
export const accountDirectV1DecodingTree = {
  root: "arm",
  nodes: [
    arm,
    message,
    content,
    {
      id: "commit",
      test: "MLS commit processing from the parent epoch, then the device roster rule",
      branches: [
        ...carriedListBranches,
        {
          when: "the roster holds devices of more than two accounts",
          next: { outcome: "badly-formed", reason: "roster-third-account" },
        },
        {
          when: "a member's account has no list held",
          next: { outcome: "badly-formed", reason: "roster-unknown-account" },
        },
        {
          when: "a device added is not on its account's newest list",
          next: { outcome: "badly-formed", reason: "roster-device-not-listed" },
        },
        {
          when: "a device kept is not on its account's newest list (revoked; an older carried list is ignored)",
          next: { outcome: "badly-formed", reason: "roster-device-revoked" },
        },
        {
          when: "a device of another account than the committer's added (not its account's first) or removed while listed",
          next: { outcome: "badly-formed", reason: "roster-foreign-change" },
        },
        { when: "ok (a new epoch; the fork choice runs)", next: { outcome: "readable", frame: "GroupV1Message" } },
      ],
    },
    application,
  ],
} as const satisfies DecodingTree;

export type AccountDirectV1Reason = ReasonsOf<typeof accountDirectV1DecodingTree>;

/** AccountDirectV1: the 1:1 conversation of two accounts, one MLS group of all their devices (docs/ACCOUNTS.md). */
export const accountDirectV1Spec: ConversationTypeSpec = {
  ...groupV1Spec,
  name: "AccountDirectV1",
  version: 1,
  summary:
    "The 1:1 conversation between two accounts: one GroupV1 group (same wire, fork choice, re-send rule and " +
    "recovery) whose members are the current devices of both accounts, under the device roster rule: the roster " +
    "is at most the union of the two accounts' newest signed device lists, only an account's own device adds or " +
    "removes its devices, and the lists travel in the group context with every commit.",
  encryption: {
    ...groupV1Spec.encryption,
    description:
      "As GroupV1, but each leaf's BasicCredential is installation key (32) || account key (32) || XEdDSA " +
      "signature by the installation key over 'parley-account-direct-v1-credential' || account key || MLS " +
      "signature key: the device's consent to its account and the binding of its MLS key in one signature, verified " +
      "by every member's authentication service. The group context carries extension 0xFF02: the accounts' " +
      "SignedDeviceLists.",
  },
  conversationId: {
    derivation: "lower_hex(MLS group id), the group id being the tag byte 0xAD followed by 16 random bytes",
    format: "34 lowercase hex characters starting 'ad'",
    description: "Envelopes carry a salted hint of the conversation id; the length tells it from a GroupV1 id.",
  },
  membership: {
    min: 1,
    max: 64,
    description:
      "The devices of two accounts (each list holds at most 32). A conversation starts from an account address: the " +
      "starting device adds its own siblings and the addressed device, which then adds its siblings; a device " +
      "linked to an account is added by a sibling, a revoked one removed by any member, each in one commit. The " +
      "address alone is enough: without a PrivateV1 conversation with the addressed device, the starter opens one " +
      "with an InboxV1 handshake to the bundle key the address carries, used only under that device's XEdDSA " +
      "signature over 'parley_account_1_' || account key || bundle key (a swapped key is refused, nothing written).",
  },
  guarantees: [
    // GroupV1's, but for the two this type strengthens.
    ...(groupV1Spec.guarantees ?? []).filter(
      (g) => g.property !== "authentication" && g.property !== "post-compromise-security",
    ),
    {
      property: "authentication" as const,
      description:
        "Every message is attributed to a device and its account through the MLS credential; every roster is checked " +
        "against the accounts' newest signed device lists: an unlisted or revoked device, a device added or removed " +
        "by another account's device, a forged, forked or third account's list, are refused and change nothing.",
      provenBy: R,
    },
    {
      property: "post-compromise-security" as const,
      description:
        "Every commit carries an update path (GroupV1). A device revoked by a newer list is removed in one commit, and reads nothing sent after that commit; the " +
        "devices of both accounts each receive every message exactly once, under drops, duplicates and reordering.",
      provenBy: D,
    },
  ],
  decodingTree: accountDirectV1DecodingTree,
  wireIdentity: {
    payload:
      "GroupV1's: EncryptedPayload arm plaintext (1) holding a GroupV1Message, under the salted hint of the group id " +
      "(34 hex characters starting 'ad', a length no other type's id has) on the group's topic.",
    start:
      "No invite arm: devices join by MLS Welcome in a group_control frame of a PrivateV1 conversation with the adder " +
      "(started from the account address when there is none), " +
      "as GroupV1; the credential and the 0xFF02 extension set its groups apart from GroupV1's. Every control frame " +
      "names its group (a key-package response through its request id), and an 'ad' id of 34 characters routes it " +
      "to this type (claimsControl); every other frame goes to GroupV1.",
    libchat: "None: libchat has no accounts. Its payloads fail the GroupV1Message decode or MLS, as for GroupV1.",
    provenBy: TYPE_IDENTITY,
  },
};
