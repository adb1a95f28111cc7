export { DEFAULT_PBKDF2_ITERATIONS } from "./encryption.js";
export { IdbStoreError, type IdbStoreErrorCode } from "./errors.js";
export { IdbStore, type IdbStoreOptions } from "./idb-store.js";
