import { base64urlEncode, concatBytes, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import {
  AccountAddressSchema,
  type AccountAddress as AddressProto,
  create,
  fromBinary,
  SignedDeviceListSchema,
  toBinary,
} from "../../wire/index.js";
import { MAX_DEVICES, type SignedDeviceList, verifyDeviceList } from "./device-list.js";
import { AccountError, type Parsed, refuse } from "./errors.js";
import { isUsableX25519Key, sameBytes } from "./keys.js";
import { textPayload } from "./text-form.js";

/** Text prefix of an account address (docs/ACCOUNTS.md §1). */
export const ACCOUNT_ADDRESS_PREFIX = "parley_account_1_";
const PREFIX_BYTES = utf8(ACCOUNT_ADDRESS_PREFIX);

/** Longer than any address a full list (MAX_DEVICES devices with the longest names) makes. */
export const MAX_ADDRESS_CHARS = 256 + Math.ceil(((MAX_DEVICES * 120 + 256) * 4) / 3);

/**
 * What a peer needs to reach an account (docs/ACCOUNTS.md §1, §3): the account's newest signed device list, and
 * one of its devices with a bundle key, the InboxV1 responder a conversation starts with (that device then adds
 * its siblings). Reusable for as long as that bundle key lives.
 */
export interface AccountAddress {
  readonly deviceList: SignedDeviceList;
  /** X25519 installation key of the device reached; on `deviceList`. */
  readonly installationKey: Uint8Array;
  /** Its X25519 bundle key (the Noise pre-message ephemeral of the InboxV1 handshake). */
  readonly ephemeralKey: Uint8Array;
  /** XEdDSA by the installation key over `"parley_account_1_" || account key || ephemeral key`. */
  readonly signature: Uint8Array;
}

/**
 * The device's consent. A list is signed by the account alone, so an account could name someone else's
 * device on it; the device's own signature over the account key is what lets it be reached as that account.
 */
function signedMessage(accountKey: Uint8Array, ephemeralKey: Uint8Array): Uint8Array {
  return concatBytes(PREFIX_BYTES, accountKey, ephemeralKey);
}

/**
 * An address for this device (`installationSecret`) and one of its bundle keys, under the account's list. Throws
 * `address-device-not-listed` or `address-bad-key`, as a reader would refuse the address.
 */
export function makeAccountAddress(
  crypto: CryptoProvider,
  installationSecret: Uint8Array,
  ephemeralKey: Uint8Array,
  deviceList: SignedDeviceList,
): AccountAddress {
  if (!isUsableX25519Key(crypto, ephemeralKey))
    throw new AccountError("address-bad-key", "the bundle key is not a usable X25519 key");
  const installationKey = crypto.x25519PublicKey(installationSecret);
  if (!deviceList.list.devices.some((d) => sameBytes(d.installationKey, installationKey)))
    throw new AccountError("address-device-not-listed", "this device is not on the account's list");
  const signature = crypto.xeddsaSign(installationSecret, signedMessage(deviceList.list.accountKey, ephemeralKey));
  return { deviceList, installationKey, ephemeralKey, signature };
}

function toProto(a: AccountAddress): AddressProto {
  return create(AccountAddressSchema, {
    deviceList: create(SignedDeviceListSchema, { deviceList: a.deviceList.bytes, signature: a.deviceList.signature }),
    installationKey: a.installationKey,
    ephemeralKey: a.ephemeralKey,
    signature: a.signature,
  });
}

/** `parley_account_1_` + base64url without padding of the `AccountAddress` protobuf. */
export function encodeAccountAddress(a: AccountAddress): string {
  return ACCOUNT_ADDRESS_PREFIX + base64urlEncode(toBinary(AccountAddressSchema, toProto(a)));
}

/**
 * Total parser, checked in this order: prefix, length, base64url, canonical protobuf, the device list (its own
 * `device-list-*` codes), the device's keys, that the device is on the list, and its signature. Whitespace
 * anywhere is ignored, since an address wraps across lines.
 */
export function parseAccountAddress(crypto: CryptoProvider, text: string): Parsed<AccountAddress> {
  const bytes = textPayload(text, ACCOUNT_ADDRESS_PREFIX, MAX_ADDRESS_CHARS);
  if (bytes === "missing-prefix") return refuse("address-missing-prefix", "not a parley_account_1_ address");
  if (bytes === "too-long") return refuse("address-too-long", "longer than any account address");
  if (bytes === "bad-base64") return refuse("address-bad-base64", "the address is not base64url without padding");
  let proto: AddressProto;
  try {
    proto = fromBinary(AccountAddressSchema, bytes, { readUnknownFields: false });
  } catch {
    return refuse("address-bad-proto", "the address is not an AccountAddress protobuf");
  }
  if (proto.deviceList === undefined || !sameBytes(toBinary(AccountAddressSchema, proto), bytes))
    return refuse("address-bad-proto", "the address is not canonically encoded");
  const list = verifyDeviceList(crypto, proto.deviceList.deviceList, proto.deviceList.signature);
  if (!list.ok) return list;
  if (!isUsableX25519Key(crypto, proto.installationKey) || !isUsableX25519Key(crypto, proto.ephemeralKey))
    return refuse("address-bad-key", "the address carries an unusable X25519 key");
  if (!list.value.list.devices.some((d) => sameBytes(d.installationKey, proto.installationKey)))
    return refuse("address-device-not-listed", "the device reached is not on the account's list");
  if (!verifies(crypto, proto, list.value.list.accountKey))
    return refuse("address-bad-signature", "the device's signature does not verify");
  return {
    ok: true,
    value: {
      deviceList: list.value,
      installationKey: proto.installationKey,
      ephemeralKey: proto.ephemeralKey,
      signature: proto.signature,
    },
  };
}

function verifies(crypto: CryptoProvider, proto: AddressProto, accountKey: Uint8Array): boolean {
  if (proto.signature.length !== 64) return false;
  try {
    return crypto.xeddsaVerify(proto.installationKey, signedMessage(accountKey, proto.ephemeralKey), proto.signature);
  } catch {
    return false;
  }
}
