import { ParleyError } from "../base/errors.js";

export type CryptoErrorCode =
  | "invalid-key-length"
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
