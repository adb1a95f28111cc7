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
  | "already-a-member"
  /** A commit or Welcome the profile's roster guard refuses (profile.ts); `refusal` names the rule. */
  | "roster-refused";

/** Every failure of GroupV1 surfaces as this error; `code` is stable, the message never holds key material. */
export class GroupError extends ParleyError {
  constructor(
    override readonly code: GroupErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/** A roster guard's refusal; `refusal` is a code of the type's decoding tree. */
export class RosterRefusedError extends GroupError {
  constructor(readonly refusal: string) {
    super("roster-refused", `the roster rule refuses this change: ${refusal}`);
  }
}

/** The code a refused input is reported with: the guard's own code for a roster refusal. */
export function refusalCode(e: unknown): string {
  if (e instanceof RosterRefusedError) return e.refusal;
  return e instanceof GroupError ? e.code : "bad-message";
}
