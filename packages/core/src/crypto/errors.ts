import { ParleyError } from "../base/errors.js";

export type CryptoErrorCode =
  /** An argument is not a Uint8Array (or not an integer where one is required). */
  | "invalid-input"
  | "invalid-key-length"
  /** A key of the right length that is not usable (e.g. a u-coordinate with no Edwards form). */
  | "invalid-key"
  | "invalid-nonce-length"
  | "invalid-signature-length"
  | "invalid-length"
  | "invalid-option"
  | "low-order-point"
  | "auth-failed";

export class CryptoError extends ParleyError {
  declare readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message: string) {
    super(code, message);
  }
}
