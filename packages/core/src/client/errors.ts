import { ParleyError } from "../base/errors.js";

export type ClientErrorCode =
  /** `create` on a store that already holds an identity. */
  | "identity-exists"
  /** `open` on a store without an identity (or with an unreadable one). */
  | "no-identity"
  | "unknown-conversation"
  /** A bundle of this client itself. */
  | "own-bundle"
  | "closed"
  /** Content that does not fit 255 segments. */
  | "content-too-large"
  /** A group operation names a peer this client has no PrivateV1 conversation with (key packages travel there). */
  | "no-pairwise-conversation"
  /** A group operation on a conversation that is not a group. */
  | "not-a-group"
  | "publish-failed"
  /** `acceptRequest` / `refuseRequest` on an id that is not a pending message request. */
  | "unknown-request";

export class ClientError extends ParleyError {
  declare readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string) {
    super(code, message);
  }
}

/** An inbound message refused by the decoder; `code` is the decoding tree's reason. */
export class InboundError extends ParleyError {
  constructor(
    code: string,
    readonly contentTopic: string,
  ) {
    super(code, `inbound message rejected: ${code}`);
  }
}
