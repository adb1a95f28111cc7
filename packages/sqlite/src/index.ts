/** @parley/sqlite: the Store interface on SQLite, with versioned migrations and optional encryption at rest. */
export { CIPHER, type StoreKey } from "./encryption.js";
export { SqliteStoreError, type SqliteStoreErrorCode } from "./errors.js";
export { MIGRATIONS, type Migration, type MigrationContext, SCHEMA_VERSION } from "./migrations.js";
export { SqliteStore, type SqliteStoreInfo, type SqliteStoreOptions } from "./sqlite-store.js";
