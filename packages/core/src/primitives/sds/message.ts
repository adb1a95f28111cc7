/**
 * SDS messages on the wire: the codec of `logoschat.sds.SdsMessage` is wire/hand/sds-message.ts (re-exported
 * here, where the SDS layer and its callers import it), and the per-message id the caller chooses.
 */
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

export {
  type DecodedSdsMessage,
  decodeSdsMessage,
  encodeSdsMessage,
  type HistoryRef,
  MAX_HISTORY_ENTRIES,
  MAX_ID_LENGTH,
  type SdsKind,
  type SdsMessageFields,
} from "../../wire/hand/sds-message.js";

/** A per-message id for the caller: lowercase hex of BLAKE2b-128 of the bytes (e.g. an encoded segment). */
export function messageIdFor(crypto: CryptoProvider, bytes: Uint8Array): string {
  return toHex(crypto.blake2b(bytes, { dkLen: 16 }));
}
