/**
 * What a conversation type built on the GroupV1 engine may use (AccountDirectV1 runs an MLS group of every
 * device of two accounts with its own profile and roster rule). Types reach each other only through such a
 * declared surface, never into another type's files (test/client/registry-only.test.ts checks it).
 */
export type { GroupIdentity } from "./credential.js";
export { decodeDueState, type GroupDueState } from "./due-state.js";
export type { GroupEffect } from "./effects.js";
export { GroupV1Engine } from "./engine.js";
export { GroupError } from "./errors.js";
export { BY_ME, BY_PEER, groupEffects, groupRef } from "./outcome.js";
export type { GroupProfile, GuardStore, MemberCredential, RosterGuard } from "./profile.js";
export { groupNamespaces } from "./profile.js";
export {
  bookRoster,
  checkRosterChange,
  type DeviceMember,
  isListed,
  type RosterRefusal,
  type RosterRuleOptions,
  rosterGaps,
} from "./roster-rule.js";
export { type EngineHooks, encodeGroupDueState, engineLifecycle, stepEffects } from "./runtime.js";
export type { GroupV1Options } from "./session.js";
export { groupV1DecodingTree, groupV1Spec } from "./spec.js";
