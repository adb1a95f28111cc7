/**
 * The MLS credential of a member binds its MLS signature key to its Parley identity (the X25519 installation
 * key): BasicCredential.identity = identity public key (32) || XEdDSA signature (64) by the identity key over
 * `"parley-group-v1-credential" || MLS signature public key`.
 *
 * Why not the bare identity key: a key package could then claim anyone's identity, and only the member who
 * fetched it over the pairwise channel could tell. With the binding, EVERY member checks, through the MLS
 * authentication service, that the leaf's signature key was endorsed by the identity it names, so the sender
 * of every application message and commit is attributed to a Parley identity cryptographically.
 */
import { concatBytes, toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";

const CONTEXT = utf8("parley-group-v1-credential");
export const CREDENTIAL_BYTES = 96;
const PROBE_SCALAR = new Uint8Array(32).fill(0x5a);

export interface GroupIdentity {
  /** X25519 installation public key. */
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function bindCredential(crypto: CryptoProvider, identity: GroupIdentity, signaturePublicKey: Uint8Array) {
  const signature = crypto.xeddsaSign(identity.secretKey, concatBytes(CONTEXT, signaturePublicKey));
  return concatBytes(identity.publicKey, signature);
}

/** The identity named by a credential, or undefined when the binding does not verify. Never throws. */
export function verifyCredential(
  crypto: CryptoProvider,
  credentialIdentity: Uint8Array,
  signaturePublicKey: Uint8Array,
): Uint8Array | undefined {
  if (credentialIdentity.length !== CREDENTIAL_BYTES) return undefined;
  const identity = credentialIdentity.subarray(0, 32);
  const signature = credentialIdentity.subarray(32);
  try {
    // A low-order identity key makes the DH with it all zeros (the provider throws): never a valid member.
    crypto.x25519(PROBE_SCALAR, identity);
    return crypto.xeddsaVerify(identity, concatBytes(CONTEXT, signaturePublicKey), signature)
      ? identity.slice()
      : undefined;
  } catch {
    return undefined;
  }
}

/** The identity named by a credential, without verification (for credentials MLS already validated). */
export function credentialIdentityHex(credentialIdentity: Uint8Array): string {
  return toHex(credentialIdentity.subarray(0, 32));
}
