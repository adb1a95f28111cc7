/**
 * What a conversation type built on AccountDirectV1's pieces may use (AccountSelfV1, the group of one account's
 * own devices): the account credential, the device lists a group context carries, the device list book, and the
 * claim on control frames by group id. Types reach each other only through such a declared surface.
 */
export { accountCredential, memberOfCredential } from "./credential.js";
export { DEVICE_LISTS_EXTENSION_TYPE, deviceListsExtension } from "./device-lists.js";
export { checkDeviceRoster, loadBook, saveBook } from "./guard.js";
export { controlClaim } from "./runtime.js";
export { carriedListBranches } from "./spec.js";
