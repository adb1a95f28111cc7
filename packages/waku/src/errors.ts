import { ParleyError } from "@parley/core";

/** Stable codes of errors thrown by @parley/waku (publish never throws: it returns a typed result). */
export type WakuErrorCode =
  | "invalid-content-topic"
  | "invalid-config"
  | "not-started"
  | "store-unavailable"
  | "store-query-failed"
  | "store-bad-response";

export class WakuError extends ParleyError {
  constructor(
    override readonly code: WakuErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
