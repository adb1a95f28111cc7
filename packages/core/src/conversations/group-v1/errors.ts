import { ParleyError } from "../../base/errors.js";

export type GroupErrorCode =
  | "unknown-group"
  | "not-a-member"
  | "bad-key-package"
  | "bad-credential"
  | "bad-message"
  | "bad-state"
  | "too-many-members"
  | "invalid-argument"
  /** Adding someone who is in the group at its head epoch. */
  | "already-a-member";

/** Every failure of GroupV1 surfaces as this error; `code` is stable, the message never holds key material. */
export class GroupError extends ParleyError {
  constructor(
    override readonly code: GroupErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
