import { ParleyError } from "@parley/core";

/**
 * Stable codes of every failure `IdbStore` reports. "store-closed" and "invalid-write" mean what they mean
 * for core's MemoryStore and SqliteStore, so code handling a Store failure works with any of them.
 */
export type IdbStoreErrorCode =
  /** Another tab or window holds this profile: one writer per profile. */
  | "locked"
  /** The profile is encrypted and the passphrase does not open it. */
  | "wrong-passphrase"
  /** The profile is encrypted and no passphrase was given. */
  | "passphrase-required"
  /** A passphrase was given but the profile was created without encryption. */
  | "not-encrypted"
  /** The database was written by a newer Parley (its format version is above the one this code knows). */
  | "newer-format"
  /** A stored value does not decrypt under the profile's key, or the format record is malformed. */
  | "corrupt"
  /** IndexedDB (or Web Locks) is missing, or the browser refused to open the database. */
  | "unavailable"
  | "invalid-options"
  | "invalid-write"
  | "store-closed";

export class IdbStoreError extends ParleyError {
  declare readonly code: IdbStoreErrorCode;

  constructor(code: IdbStoreErrorCode, message: string, cause?: unknown) {
    super(code, message);
    if (cause !== undefined) this.cause = cause;
  }
}
