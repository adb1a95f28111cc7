import { ParleyError } from "../base/errors.js";

/** Why an introduction bundle was refused. Every malformed or forged bundle maps to exactly one code. */
export type IntroBundleErrorCode =
  | "bundle-missing-prefix"
  | "bundle-bad-base64"
  | "bundle-bad-proto"
  | "bundle-bad-key-length"
  | "bundle-bad-signature-length"
  | "bundle-low-order-key"
  | "bundle-bad-signature";

export class IntroBundleError extends ParleyError {
  declare readonly code: IntroBundleErrorCode;
  constructor(code: IntroBundleErrorCode, message: string) {
    super(code, message);
  }
}
