/**
 * The MLS credential of an AccountDirectV1 member (docs/ACCOUNTS.md §3): BasicCredential.identity =
 * installation key (32) || account key (32) || XEdDSA signature (64) by the installation key over
 * `"parley-account-direct-v1-credential" || account key || MLS signature public key`.
 *
 * One signature does two things: it binds the leaf's MLS signature key to the installation (as GroupV1's
 * credential does), and it is the device's own consent to being a device of that account, which a device list
 * alone cannot give (lists name devices on the account's word, §6). Every member checks it through the MLS
 * authentication service; the roster rule then checks the pair against the account's newest list.
 */
import { concatBytes, toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { isUsableX25519Key } from "../../identity/account/keys.js";
import type { DeviceMember, GroupIdentity, MemberCredential } from "../group-v1/extension.js";

const CONTEXT = utf8("parley-account-direct-v1-credential");
export const ACCOUNT_CREDENTIAL_BYTES = 128;

function signed(account: Uint8Array, signaturePublicKey: Uint8Array): Uint8Array {
  return concatBytes(CONTEXT, account, signaturePublicKey);
}

/** The credential scheme of a device of `accountKey` (Ed25519 public key). */
export function accountCredential(accountKey: Uint8Array): MemberCredential {
  const account = accountKey.slice();
  return {
    bind(crypto: CryptoProvider, identity: GroupIdentity, signaturePublicKey: Uint8Array): Uint8Array {
      const signature = crypto.xeddsaSign(identity.secretKey, signed(account, signaturePublicKey));
      return concatBytes(identity.publicKey, account, signature);
    },
    verify: verifyAccountCredential,
  };
}

/** The installation key a credential names, or undefined when it does not verify. Never throws. */
export function verifyAccountCredential(
  crypto: CryptoProvider,
  credentialIdentity: Uint8Array,
  signaturePublicKey: Uint8Array,
): Uint8Array | undefined {
  if (credentialIdentity.length !== ACCOUNT_CREDENTIAL_BYTES) return undefined;
  const installation = credentialIdentity.subarray(0, 32);
  const account = credentialIdentity.subarray(32, 64);
  const signature = credentialIdentity.subarray(64);
  try {
    if (!isUsableX25519Key(crypto, installation)) return undefined;
    return crypto.xeddsaVerify(installation, signed(account, signaturePublicKey), signature)
      ? installation.slice()
      : undefined;
  } catch {
    return undefined;
  }
}

/** The member a (verified) credential names; undefined for a credential of another shape. */
export function memberOfCredential(credentialIdentity: Uint8Array): DeviceMember | undefined {
  if (credentialIdentity.length !== ACCOUNT_CREDENTIAL_BYTES) return undefined;
  return {
    installation: toHex(credentialIdentity.subarray(0, 32)),
    account: toHex(credentialIdentity.subarray(32, 64)),
  };
}
