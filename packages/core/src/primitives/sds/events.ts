/** What an SDS transition gives back: the new state, the messages to put on the wire, and events. */
import type { SdsError, SdsErrorCode } from "./errors.js";
import type { DecodedSdsMessage, HistoryRef } from "./message.js";
import type { SdsState } from "./state.js";

export interface SdsOutgoing {
  readonly messageId: string;
  /** Encoded SDS message: the plaintext for the encryption layer. */
  readonly bytes: Uint8Array;
  readonly kind: "content" | "resend" | "sync";
}

export type SdsEvent =
  | {
      readonly type: "delivered";
      readonly messageId: string;
      readonly senderId: string;
      readonly lamport: bigint;
      readonly content: Uint8Array;
    }
  | { readonly type: "ephemeral"; readonly messageId: string; readonly senderId: string; readonly content: Uint8Array }
  | { readonly type: "missing"; readonly messages: readonly HistoryRef[] }
  | {
      readonly type: "acked";
      readonly messageId: string;
      /** The message had been given up (`outgoing-lost`) before this acknowledgement arrived. */
      readonly late?: boolean;
    }
  | { readonly type: "possibly-acked"; readonly messageId: string; readonly count: number }
  | { readonly type: "incoming-lost"; readonly messageIds: readonly string[] }
  | { readonly type: "outgoing-lost"; readonly messageId: string };

export interface SdsSweepOptions {
  /**
   * Once `now` reaches this time (ms), a dependency missing since before it (or a message waiting since before
   * it) is declared lost without waiting for the incoming-lost bound: the caller knows nothing older will
   * come (PrivateV1 after a session reset, when the peer has sent again everything it still had).
   */
  readonly lostBefore?: number;
}

export interface SdsStep {
  readonly state: SdsState;
  readonly outgoing: readonly SdsOutgoing[];
  readonly events: readonly SdsEvent[];
}

export type SdsReceiveStatus = "delivered" | "buffered" | "duplicate" | "sync" | "ephemeral";

export type SdsReceiveResult =
  | (SdsStep & { readonly ok: true; readonly status: SdsReceiveStatus; readonly message: DecodedSdsMessage })
  | { readonly ok: false; readonly error: SdsError & { readonly code: SdsReceiveErrorCode } };

/** The codes `receive` can fail with (the others are the sender's and the state loader's). */
export type SdsReceiveErrorCode = Extract<
  SdsErrorCode,
  "malformed" | "wrong-channel" | "own-message" | "sender-mismatch" | "buffer-full"
>;

export interface SdsReceiveOptions {
  /** The sender proven by the encryption layer; a different sender_id is rejected. */
  readonly expectedSenderId?: string;
}
