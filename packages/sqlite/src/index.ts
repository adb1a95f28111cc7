/** @parley/sqlite: the Store interface on SQLite, with versioned migrations and optional encryption at rest. */
export { CIPHER, type StoreKey } from "./encryption.js";
export { SqliteStoreError, type SqliteStoreErrorCode } from "./errors.js";
export { FileLock } from "./file-lock.js";
export { holderRecordPath, type LockHolder, StoreLockedError } from "./lock.js";
export { MIGRATIONS, type Migration, type MigrationContext, SCHEMA_VERSION } from "./migrations.js";
export type { SqliteStoreInfo, SqliteStoreOptions } from "./open.js";
export { SqliteStore } from "./sqlite-store.js";
