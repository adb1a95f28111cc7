/**
 * PrivateV1 session reset: a fresh Double Ratchet for a conversation whose ratchets have diverged beyond
 * repair (one side cannot open anything the other sends: state restored from an old copy, a gap no resend
 * can bridge). Mature messengers heal such a session by starting a new one; we start the next *generation*
 * of the same conversation, so its ids, topic and SDS channel (hence exactly-once delivery) carry on.
 *
 * Key schedule (both installation keys are the conversation's, known to both sides; e = fresh ephemeral):
 *   ikm  = DH(e, S_responder) || DH(S_initiator, S_responder)
 *   info = "PrivateV1SessionReset" || u32be(generation) || S_initiator || S_responder || e
 *   okm  = HKDF-BLAKE2b-512(ikm, salt = 64 zero bytes, info, 64) = sk (32) || tag key (32)
 *   tag  = ChaCha20-Poly1305(tag key, nonce 0, plaintext empty, aad = info)
 * The new ratchet: the initiator `initSender(sk, S_responder)`, the responder `initReceiver(sk, its static
 * key pair)`; the responder's first reply steps to fresh ratchet keys as usual.
 *
 * Properties: only the two installations can make a reset the other accepts (static-static DH); a replayed
 * reset is refused (its generation is not above the receiver's); the first chain of the new session is not
 * forward secret against a later compromise of the responder's installation key (it rests on DH with that
 * key until the responder replies), which is why a reset is a repair, rate-limited, and never routine.
 */
import { concatBytes, constantTimeEqual, u32be, utf8, zeroize } from "../../base/bytes.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";

const INFO = utf8("PrivateV1SessionReset");
const SALT = new Uint8Array(64);
const NONCE = new Uint8Array(12);
export const RESET_TAG_LENGTH = 16;

export interface ResetKeys {
  /** The new session's shared secret (the Double Ratchet's initial root key). */
  readonly sk: Uint8Array;
  readonly tag: Uint8Array;
}

function derive(
  crypto: CryptoProvider,
  dhEphemeral: Uint8Array,
  dhStatic: Uint8Array,
  generation: number,
  initiator: Uint8Array,
  responder: Uint8Array,
  ephemeral: Uint8Array,
): ResetKeys {
  const ikm = concatBytes(dhEphemeral, dhStatic);
  const info = concatBytes(INFO, u32be(generation), initiator, responder, ephemeral);
  const okm = crypto.hkdf("blake2b512", ikm, SALT, info, 64);
  const sk = okm.slice(0, 32);
  const tagKey = okm.slice(32, 64);
  const tag = crypto.aeadSeal(tagKey, NONCE, new Uint8Array(0), info);
  zeroize(okm);
  zeroize(tagKey);
  zeroize(ikm);
  return { sk, tag };
}

/** The initiator's side: a fresh ephemeral, the keys, and what goes on the wire. */
export function makeReset(
  crypto: CryptoProvider,
  self: X25519KeyPair,
  peer: Uint8Array,
  generation: number,
): ResetKeys & { readonly ephemeral: Uint8Array } {
  const e = crypto.x25519GenerateKeyPair();
  const dhE = crypto.x25519(e.secretKey, peer);
  const dhS = crypto.x25519(self.secretKey, peer);
  const keys = derive(crypto, dhE, dhS, generation, self.publicKey, peer, e.publicKey);
  zeroize(e.secretKey);
  return { ...keys, ephemeral: e.publicKey };
}

/**
 * The responder's side: the new session's secret when the reset is authentic, undefined otherwise (a bad
 * or low-order key, a wrong tag). Constant-time tag comparison.
 */
export function openReset(
  crypto: CryptoProvider,
  self: X25519KeyPair,
  peer: Uint8Array,
  generation: number,
  ephemeral: Uint8Array,
  tag: Uint8Array,
): Uint8Array | undefined {
  if (ephemeral.length !== 32 || tag.length !== RESET_TAG_LENGTH) return undefined;
  let dhE: Uint8Array;
  let dhS: Uint8Array;
  try {
    dhE = crypto.x25519(self.secretKey, ephemeral);
    dhS = crypto.x25519(self.secretKey, peer);
  } catch {
    return undefined;
  }
  const keys = derive(crypto, dhE, dhS, generation, peer, self.publicKey, ephemeral);
  if (constantTimeEqual(keys.tag, tag)) return keys.sk;
  zeroize(keys.sk);
  return undefined;
}
