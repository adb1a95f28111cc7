import type { ConversationTypeSpec, DecodingTree, ReasonsOf } from "../../framework/type-spec.js";
import { accountDirectV1DecodingTree, accountDirectV1Spec } from "../account-direct-v1/extension.js";

const TYPE_IDENTITY = "packages/core/test/account-group-v1/runtime.test.ts";
const G = "packages/core/test/account-group-v1/groups.test.ts";
const R = "packages/core/test/account-group-v1/roster.test.ts";

const [arm, message, content, adCommit, application] = accountDirectV1DecodingTree.nodes;

/** AccountDirectV1's branches at the commit, with N accounts and the removal of a whole account. */
const commitBranches = adCommit.branches.map((b) => {
  if (b.next.outcome !== "badly-formed") return b;
  if (b.next.reason === "roster-third-account")
    return {
      when: "the roster holds devices of more than 32 accounts",
      next: { outcome: "badly-formed", reason: "roster-too-many-accounts" },
    } as const;
  if (b.next.reason === "roster-foreign-change")
    return {
      when:
        "a device of another account than the committer's added (not its account's first) or removed while listed " +
        "(not all of its account's devices: removing a person is anyone's)",
      next: b.next,
    } as const;
  return b;
});

/** GroupV1's application checks, then the sender against its account's newest list held. */
const [decrypts, matches, readable] = application.branches;
const applicationBranches = [
  decrypts,
  matches,
  {
    when: "the MLS sender's device is not on its account's newest list held (revoked, not yet removed)",
    next: { outcome: "badly-formed", reason: "roster-device-revoked" },
  } as const,
  readable,
];

/** AccountDirectV1's tree (GroupV1's with the device roster rule at the commit), generalised to N accounts. */
export const accountGroupV1DecodingTree = {
  root: "arm",
  nodes: [
    arm,
    message,
    content,
    { ...adCommit, branches: commitBranches },
    { ...application, branches: applicationBranches },
  ],
} as const satisfies DecodingTree;

export type AccountGroupV1Reason = ReasonsOf<typeof accountGroupV1DecodingTree> | "roster-too-many-accounts";

/** AccountGroupV1: a group of people, each with their devices; one MLS group of every current device. */
export const accountGroupV1Spec: ConversationTypeSpec = {
  ...accountDirectV1Spec,
  name: "AccountGroupV1",
  version: 1,
  summary:
    "A group of accounts (docs/ACCOUNTS.md §3, groups with devices): one GroupV1 group (same wire, fork choice, " +
    "re-send rule and recovery) whose members are the current devices of up to 32 accounts, under AccountDirectV1's " +
    "device roster rule for N accounts: the roster is at most the union of the member accounts' newest signed device " +
    "lists, only an account's own device adds or removes its devices but for an account's first devices (added by " +
    "any member, as GroupV1 lets any member add) and removing a person (all their devices in one commit, by any " +
    "member); the lists travel in the group context with every commit.",
  encryption: {
    ...accountDirectV1Spec.encryption,
    description:
      "As AccountDirectV1 (the same credential: installation key || account key || the device's XEdDSA consent and " +
      "MLS key binding, and the same group context extension 0xFF02 with the member accounts' SignedDeviceLists), " +
      "with up to 32 accounts.",
  },
  conversationId: {
    derivation: "lower_hex(MLS group id), the group id being the tag byte 0xA6 followed by 16 random bytes",
    format: "34 lowercase hex characters starting 'a6'",
    description: "Envelopes carry a salted hint of the conversation id; the tag tells it from an AccountDirectV1 id.",
  },
  membership: {
    min: 1,
    max: 1000,
    description:
      "The devices of up to 32 accounts (each list holds at most 32), within GroupV1's bound. A group starts from " +
      "account addresses: the starting device adds its siblings and each addressed device, which then adds its own " +
      "siblings; adding a person is adding their addressed device; a device linked to an account is added by a " +
      "sibling, a revoked one removed by any member; removing a person removes all their devices in one commit. " +
      "An address alone reaches its device, as in AccountDirectV1 (a PrivateV1 conversation opened to the bundle " +
      "key the device signed for its account).",
  },
  guarantees: [
    ...(accountDirectV1Spec.guarantees ?? []).filter(
      (g) => g.property !== "authentication" && g.property !== "post-compromise-security",
    ),
    {
      property: "authentication" as const,
      description:
        "Every message is attributed to a device and its account through the MLS credential; every roster is checked " +
        "against the member accounts' newest signed device lists: an unlisted or revoked device, a device added or " +
        "removed by another account's device (but a person's first devices, or all of them), a forged or forked list, " +
        "are refused and change nothing; an older list is ignored.",
      provenBy: R,
    },
    {
      property: "post-compromise-security" as const,
      description:
        "Every commit carries an update path (GroupV1). A device revoked by a newer list is removed from every group of " +
        "its account, and reads nothing sent after that commit; every current device of every member account receives " +
        "every message exactly once (the sender's siblings included), under drops, duplicates, reordering and a partition.",
      provenBy: G,
    },
  ],
  decodingTree: accountGroupV1DecodingTree,
  wireIdentity: {
    payload:
      "GroupV1's: EncryptedPayload arm plaintext (1) holding a GroupV1Message, under the salted hint of the group id " +
      "(34 hex characters starting 'a6') on the group's topic.",
    start:
      "No invite arm: devices join by MLS Welcome in a group_control frame of a PrivateV1 conversation with the adder " +
      "(started from the account address when there is none), " +
      "as GroupV1; every control frame names its group, and an 'a6' id of 34 characters routes it to this type " +
      "(claimsControl), an 'ad' one to AccountDirectV1, every other frame to GroupV1.",
    libchat: "None: libchat has no accounts. Its payloads fail the GroupV1Message decode or MLS, as for GroupV1.",
    provenBy: TYPE_IDENTITY,
  },
};
