/**
 * Every conversation type's spec, in the order docs/conversation-types.md lists them. Each type appends its
 * spec here (one import, one entry); `scripts/gen-docs.ts` registers this list and renders the document.
 */
import type { ConversationTypeSpec } from "../framework/type-spec.js";
import { accountDirectV1Spec } from "./account-direct-v1/spec.js";
import { accountGroupV1Spec } from "./account-group-v1/spec.js";
import { accountSelfV1Spec } from "./account-self-v1/spec.js";
import { groupV1Spec } from "./group-v1/spec.js";
import { inboxV1Spec } from "./inbox-v1/spec.js";
import { privateV1Spec } from "./private-v1/spec.js";

export const conversationTypes: ConversationTypeSpec[] = [
  inboxV1Spec,
  privateV1Spec,
  groupV1Spec,
  accountDirectV1Spec,
  accountGroupV1Spec,
  accountSelfV1Spec,
];
