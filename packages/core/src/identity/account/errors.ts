import { ParleyError } from "../../base/errors.js";

/**
 * Why an account building block refused its input. Every malformed, forged or stale input maps to exactly one
 * code; a refusal never changes state (the book returns no new state with an error).
 */
export type AccountErrorCode =
  // Recovery code (recovery-code.ts).
  | "recovery-bad-character"
  | "recovery-bad-length"
  | "recovery-bad-checksum"
  // Device list (device-list.ts).
  | "device-list-malformed"
  | "device-list-bad-account-key"
  | "device-list-bad-device-key"
  | "device-list-duplicate-device"
  | "device-list-bad-signature"
  | "device-list-wrong-account"
  /** Signer side: removing a device the list does not hold. */
  | "device-list-unknown-device"
  // Device list book (device-list-book.ts).
  | "device-list-rollback"
  | "device-list-fork"
  | "book-state-malformed"
  | "book-state-unknown-version"
  // Account address (address.ts).
  | "address-missing-prefix"
  | "address-too-long"
  | "address-bad-base64"
  | "address-bad-proto"
  | "address-bad-key"
  | "address-device-not-listed"
  | "address-bad-signature"
  // Link code (link-code.ts).
  | "link-missing-prefix"
  | "link-bad-base64"
  | "link-bad-length"
  | "link-bad-checksum"
  | "link-bad-key"
  | "link-bad-signature"
  // AccountSelfV1 payloads (self-payload.ts).
  | "self-payload-malformed"
  | "self-payload-unknown-version";

export class AccountError extends ParleyError {
  declare readonly code: AccountErrorCode;
  constructor(code: AccountErrorCode, message: string) {
    super(code, message);
  }
}

/** The result every total parser here returns. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AccountError };

export function refuse<T>(code: AccountErrorCode, message: string): Parsed<T> {
  return { ok: false, error: new AccountError(code, message) };
}
