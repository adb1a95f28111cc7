export * from "./account-key.js";
export * from "./address.js";
export * from "./device-list.js";
export * from "./device-list-book.js";
export { AccountError, type AccountErrorCode, type Parsed } from "./errors.js";
export * from "./link-code.js";
export * from "./recovery-code.js";
export * from "./sas.js";
export { SAS_WORDS } from "./words.js";
