/**
 * What a conversation type of accounts built on AccountDirectV1's parts may use (AccountGroupV1: a group of
 * N accounts' devices): the account credential, the device lists carried in the group context, the device
 * list book kept in a namespace, and the roster guard with its rule set per type. Types reach each other only
 * through such a declared surface (test/client/registry-only.test.ts).
 */
export { accountCredential, memberOfCredential, verifyAccountCredential } from "./credential.js";
export { DEVICE_LISTS_EXTENSION_TYPE, decodeDeviceLists, encodeDeviceLists } from "./device-lists.js";
export {
  AccountDirectV1Engine as AccountDevicesEngine,
  type AccountDirectV1Options as AccountEngineOptions,
  type AccountGroupKind,
} from "./engine.js";
export { AccountRosterGuard, type AccountRosterRule, deviceMembers, loadBook, saveBook } from "./guard.js";
export { accountDirectV1DecodingTree, accountDirectV1Spec } from "./spec.js";
