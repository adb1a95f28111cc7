import { ParleyError } from "../base/errors.js";
import { LifecycleError } from "../framework/errors.js";

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
  | "unknown-request"
  /** An account address of this installation's own account. */
  | "own-account"
  /** `account.create` on an installation that already belongs to an account. */
  | "account-exists"
  /** An account call on an installation that belongs to no account. */
  | "no-account"
  /** Signing a device list on a device that does not hold the account key (a linked device). */
  | "not-account-primary"
  /** A device list offered to this installation that does not name it. */
  | "not-on-account-list"
  /** `beginLink` while another link waits for its confirmation. */
  | "link-in-progress"
  /** `confirm` on a link that was cancelled. */
  | "link-cancelled"
  /** A linked list that does not name the device that sent it (not the account whose words were compared). */
  | "link-wrong-account"
  /** A link offer to a device of no account that shows no link code. */
  | "link-not-expected"
  /** `confirm` before both nonces were exchanged (the words do not exist yet). */
  | "link-words-pending"
  /** A payload with the link prefix of no known kind or size. */
  | "link-payload-malformed"
  /** A second commitment to a link code that already took one (a man in the middle gets one try). */
  | "link-commit-repeated"
  /** A revealed nonce that does not open the commitment taken. */
  | "link-commit-mismatch"
  /** A link payload over another conversation than the link's (not started to the code shown, or not begun). */
  | "link-wrong-conversation"
  /** A link payload out of the exchange's order (a reveal before a commitment, an offer before the words). */
  | "link-out-of-order"
  /** `linkWords` on a conversation that is not this device's link. */
  | "not-a-link"
  /** Adding a person to a group of accounts they are already in. */
  | "account-in-group"
  /** Removing a person from a group of accounts they are not in. */
  | "account-not-in-group"
  | "account-state-malformed"
  | "account-state-unknown-version"
  /** `markRead` of a message this device does not hold. */
  | "unknown-message"
  /** A display name of no characters or more than 256. */
  | "bad-display-name";

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
    /** What exactly failed, as the conversation's type said it. */
    readonly detail?: string,
  ) {
    super(code, detail ? `inbound message rejected: ${code} (${detail})` : `inbound message rejected: ${code}`);
  }
}

/** An error thrown from a step or a listener, as the `error` event carries it. */
export function asParley(e: unknown): ParleyError {
  if (e instanceof Error && "code" in e && typeof (e as { code: unknown }).code === "string") return e as ParleyError;
  return new ClientError("publish-failed", e instanceof Error ? e.message : String(e));
}

/** Runs a type's step, reporting its refusals in the Client's words. */
export async function lifecycleCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LifecycleError)
      throw new ClientError(e.code === "content-too-large" ? "content-too-large" : "unknown-conversation", e.message);
    throw e;
  }
}
