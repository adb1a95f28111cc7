import { ParleyError } from "@parley/core";

/** Stable codes of errors thrown by @parley/waku (publish never throws: it returns a typed result). */
export type WakuErrorCode =
  | "invalid-content-topic"
  | "invalid-config"
  /** A peer address (bootstrap, store peer) is not a multiaddr this node can dial. */
  | "invalid-address"
  /** A listen address could not be bound: the port is in use, the address is not this machine's, ... */
  | "listen-failed"
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
