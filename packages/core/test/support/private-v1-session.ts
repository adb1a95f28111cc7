import type { PrivateV1Engine } from "../../src/conversations/private-v1/session.js";
import type { PrivateV1State } from "../../src/conversations/private-v1/state.js";
import type { CryptoProvider, X25519KeyPair } from "../../src/crypto/provider.js";

/**
 * The two ends of a fresh PrivateV1 session without the inbox around it: the shared secret and keys an
 * InboxV1 handshake would have produced, drawn from `crypto`'s randomness (returned too, for tests that build
 * a third state from them).
 */
export function sessionPair(
  crypto: CryptoProvider,
  engine: PrivateV1Engine,
  now = 1_000,
): {
  alice: PrivateV1State;
  bob: PrivateV1State;
  keys: { sk: Uint8Array; bundle: X25519KeyPair; a: Uint8Array; b: Uint8Array };
} {
  const sk = crypto.randomBytes(32);
  const bundle = crypto.x25519GenerateKeyPair();
  const a = crypto.x25519GenerateKeyPair().publicKey;
  const b = crypto.x25519GenerateKeyPair().publicKey;
  return {
    alice: engine.initiator(sk, bundle.publicKey, a, b, now),
    bob: engine.responder(sk, bundle, b, a, now),
    keys: { sk, bundle, a, b },
  };
}
