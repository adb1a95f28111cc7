/**
 * How an invite (InboxV1 version 2) is addressed so that only its recipient can recognise it. Both values are
 * keyed by es = X25519(e, S) = X25519(s, E), the Noise "es" DH of the handshake (E, e: the initiator's
 * ephemeral; S, s: the recipient's installation key). The initiator computes it from its ephemeral secret, the
 * recipient from its installation secret; anyone else would need one of the two secrets.
 *
 *     invite id = lower_hex(BLAKE2b(dkLen 32, key = es, personal "InboxV1-invite", E || S))
 *     key_ref   = BLAKE2b(dkLen 4, key = es, personal "InboxV1-keyref", E || bundle key)
 *
 * The envelope carries the framework's salted hint of the invite id (a fresh salt per send), the handshake
 * carries key_ref. A recipient recognises an invite with one X25519, one BLAKE2b and one BLAKE2s, however many
 * bundles it ever issued, and finds the bundle key with one BLAKE2b per key it keeps (at most its live keys
 * plus MAX_RETIRED).
 */
import { constantTimeEqual, toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { isSaltedHintFormat, saltedHint } from "../../framework/hints.js";

const INVITE_PERSONAL = utf8("InboxV1-invite");
const KEY_REF_PERSONAL = utf8("InboxV1-keyref");

/** X25519(own secret, peer public): the handshake's es. Undefined for a key of the wrong size or low order. */
export function inviteSecret(
  crypto: CryptoProvider,
  ownSecret: Uint8Array,
  peerPublic: Uint8Array,
): Uint8Array | undefined {
  if (peerPublic.length !== 32) return undefined;
  try {
    return crypto.x25519(ownSecret, peerPublic);
  } catch {
    return undefined;
  }
}

function keyed(
  crypto: CryptoProvider,
  es: Uint8Array,
  personal: Uint8Array,
  a: Uint8Array,
  b: Uint8Array,
  dkLen: number,
) {
  const data = new Uint8Array(a.length + b.length);
  data.set(a, 0);
  data.set(b, a.length);
  return crypto.blake2b(data, { dkLen, key: es, personalization: personal });
}

/** The invite's own id: what the envelope's salted hint is computed over. Secret to initiator and recipient. */
export function inviteId(
  crypto: CryptoProvider,
  es: Uint8Array,
  ephemeral: Uint8Array,
  installationKey: Uint8Array,
): string {
  return toHex(keyed(crypto, es, INVITE_PERSONAL, ephemeral, installationKey, 32));
}

/** The handshake's 4-byte reference to the bundle key the initiator used. */
export function inviteKeyRef(
  crypto: CryptoProvider,
  es: Uint8Array,
  ephemeral: Uint8Array,
  bundleKey: Uint8Array,
): Uint8Array {
  return keyed(crypto, es, KEY_REF_PERSONAL, ephemeral, bundleKey, 4);
}

/** Whether an envelope's hint designates the invite: its salted hint under `salt`, or the raw id (libchat style). */
export function hintDesignates(crypto: CryptoProvider, hint: string, salt: bigint, id: string): boolean {
  if (constantTimeEqual(utf8(hint), utf8(id))) return true;
  return isSaltedHintFormat(hint) && constantTimeEqual(utf8(saltedHint(crypto, salt, id)), utf8(hint));
}
