import { concatBytes, toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

/** Which side of the InboxV1 handshake a party played. The initiator's local id uses "I". */
export type Role = "initiator" | "responder";

export interface PrivateV1Ids {
  /** The id this party receives under (peers address envelopes to it). */
  readonly local: string;
  /** The peer's local id (this party addresses envelopes to it). */
  readonly remote: string;
}

const PERSONAL_CID = utf8("L-PV1-CID");
const ROLE_I = utf8("I");
const ROLE_R = utf8("R");

/**
 * libchat's PrivateV1 conversation ids: base = BLAKE2b(key = sk, dkLen 18, personal "L-PV1-CID", empty
 * message); id(role) = hex(BLAKE2b-144(base || role)), 36 hex characters, one per direction.
 */
export function privateV1Ids(crypto: CryptoProvider, sk: Uint8Array, role: Role): PrivateV1Ids {
  const base = crypto.blake2b(new Uint8Array(0), { key: sk, dkLen: 18, personalization: PERSONAL_CID });
  const idI = toHex(crypto.blake2b(concatBytes(base, ROLE_I), { dkLen: 18 }));
  const idR = toHex(crypto.blake2b(concatBytes(base, ROLE_R), { dkLen: 18 }));
  return role === "initiator" ? { local: idI, remote: idR } : { local: idR, remote: idI };
}

/** Shared by both directions: the base id, from which the delivery address is derived. */
export function privateV1Base(crypto: CryptoProvider, sk: Uint8Array): Uint8Array {
  return crypto.blake2b(new Uint8Array(0), { key: sk, dkLen: 18, personalization: PERSONAL_CID });
}
