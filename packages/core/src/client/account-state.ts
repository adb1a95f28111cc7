/**
 * The account this installation belongs to (docs/ACCOUNTS.md §2), as the Client stores it: one record, written
 * in one commit. The primary device keeps the account key's seed (it signs the lists); a linked device keeps
 * the account's public key only. Both keep the newest list of their account they hold.
 *
 * Record `client.account/state`, format 1: u8 1, then length-prefixed (u32): the account's Ed25519 public key
 * (32), the seed (32, or empty on a linked device), the `SignedDeviceList` protobuf. Reading verifies the list
 * again and that the seed is the key's, so a damaged record is refused rather than trusted.
 */
import { ByteReader, ByteWriter } from "../base/binary.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { type AccountKey, accountKeyFromSeed } from "../identity/account/account-key.js";
import {
  decodeSignedDeviceList,
  encodeSignedDeviceList,
  type SignedDeviceList,
} from "../identity/account/device-list.js";
import { sameBytes } from "../identity/account/keys.js";
import { ClientError } from "./errors.js";

export const ACCOUNT_NS = "client.account";
export const ACCOUNT_KEY = "state";
const FORMAT = 1;

export interface AccountState {
  /** The account's Ed25519 public key. */
  readonly accountKey: Uint8Array;
  /** On the primary device only: the key pair that signs the lists. */
  readonly signer?: AccountKey;
  readonly list: SignedDeviceList;
}

export function encodeAccountState(s: AccountState): Uint8Array {
  return new ByteWriter()
    .u8(FORMAT)
    .bytes(s.accountKey)
    .bytes(s.signer?.secretKey ?? new Uint8Array(0))
    .bytes(encodeSignedDeviceList(s.list))
    .finish();
}

/** Total: the stored account, or ClientError `account-state-malformed` / `account-state-unknown-version`. */
export function decodeAccountState(crypto: CryptoProvider, bytes: Uint8Array): AccountState {
  let fields: { accountKey: Uint8Array; seed: Uint8Array; list: Uint8Array };
  try {
    const r = new ByteReader(bytes);
    const format = r.u8();
    if (format !== FORMAT)
      throw new ClientError("account-state-unknown-version", `account record format ${format} is not known`);
    fields = { accountKey: r.bytes(), seed: r.bytes(), list: r.bytes() };
    if (!r.done) throw new ClientError("account-state-malformed", "trailing bytes after the account record");
  } catch (e) {
    if (e instanceof ClientError) throw e;
    throw new ClientError("account-state-malformed", "the account record is truncated");
  }
  const list = decodeSignedDeviceList(crypto, fields.list, fields.accountKey);
  if (!list.ok) throw new ClientError("account-state-malformed", `stored device list: ${list.error.code}`);
  if (fields.seed.length === 0) return { accountKey: fields.accountKey, list: list.value };
  const signer = fields.seed.length === 32 ? safeKey(crypto, fields.seed) : undefined;
  if (!signer || !sameBytes(signer.publicKey, fields.accountKey))
    throw new ClientError("account-state-malformed", "the stored seed is not the account key's");
  return { accountKey: fields.accountKey, signer, list: list.value };
}

function safeKey(crypto: CryptoProvider, seed: Uint8Array): AccountKey | undefined {
  try {
    return accountKeyFromSeed(crypto, seed);
  } catch {
    return undefined;
  }
}
