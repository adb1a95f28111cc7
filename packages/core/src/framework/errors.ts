import { ParleyError } from "../base/errors.js";
import { type MustName, REQUIREMENT_TITLES } from "./type-spec.js";

export type SpecErrorCode = "missing-must" | "invalid-spec" | "duplicate-type" | "unknown-type";

/** Why the `Registry` refused a conversation type. */
export class SpecError extends ParleyError {
  declare readonly code: SpecErrorCode;
  constructor(
    code: SpecErrorCode,
    message: string,
    /** The type's name when known. */
    readonly typeName?: string,
    /** The offending field, e.g. "encryption.payloadArms[1]". */
    readonly path?: string,
  ) {
    super(code, message);
  }
}

/** A type that lacks one of the five MUSTs of CONVERSATIONS. */
export class MissingMustError extends SpecError {
  constructor(
    readonly must: MustName,
    typeName?: string,
  ) {
    super(
      "missing-must",
      `conversation type ${typeName ?? "(unnamed)"} is missing MUST "${must}" (${REQUIREMENT_TITLES[must]})`,
      typeName,
      must,
    );
  }
}

export type LifecycleErrorCode = "content-too-large" | "state-unavailable" | "unsupported";

/** Why a conversation type's step refused a request (the Client reports it in its own words). */
export class LifecycleError extends ParleyError {
  declare readonly code: LifecycleErrorCode;
}
