/**
 * What a conversation type of accounts built on AccountDirectV1's parts may use: AccountGroupV1 (a group of
 * N accounts' devices) and AccountSelfV1 (the group of one account's own devices). The account credential, the
 * device lists carried in the group context, the device list book kept in a namespace, the roster guard with
 * its rule set per type, and the claim on control frames by group id. Types reach each other only through such
 * a declared surface (test/client/registry-only.test.ts).
 */
export { accountCredential, memberOfCredential, verifyAccountCredential } from "./credential.js";
export {
  DEVICE_LISTS_EXTENSION_TYPE,
  decodeDeviceLists,
  deviceListsExtension,
  encodeDeviceLists,
} from "./device-lists.js";
export {
  AccountDirectV1Engine as AccountDevicesEngine,
  type AccountDirectV1Options as AccountEngineOptions,
  type AccountGroupKind,
  OnDevicesEngine,
} from "./engine.js";
export {
  AccountRosterGuard,
  type AccountRosterRule,
  checkDeviceRoster,
  deviceMembers,
  loadBook,
  saveBook,
} from "./guard.js";
export { type AccountLifecycle, accountLifecycle } from "./lifecycle.js";
export { controlClaim } from "./runtime.js";
export { accountDirectV1DecodingTree, accountDirectV1Spec, carriedListBranches } from "./spec.js";
