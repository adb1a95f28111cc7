import { concatBytes, utf8 } from "../../base/bytes.js";
import { isAcceptableEd25519PublicKey } from "../../crypto/ed25519.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import {
  create,
  DeviceListSchema,
  DeviceSchema,
  fromBinary,
  type DeviceList as ListProto,
  SignedDeviceListSchema,
  toBinary,
} from "../../wire/index.js";
import type { AccountKey } from "./account-key.js";
import { AccountError, type Parsed, refuse } from "./errors.js";
import { compareBytes, isUsableX25519Key, sameBytes } from "./keys.js";

/** Domain of the account key's signature over a device list (docs/ACCOUNTS.md §2). */
export const DEVICE_LIST_DOMAIN = "parley-device-list-1";
const DOMAIN_BYTES = utf8(DEVICE_LIST_DOMAIN);

export const MAX_DEVICES = 32;
export const MAX_DEVICE_NAME_BYTES = 64;

export interface Device {
  /** X25519 installation public key. */
  readonly installationKey: Uint8Array;
  readonly name: string;
  /** Unix ms. */
  readonly addedAt: number;
}

export interface DeviceList {
  /** Ed25519 account public key. */
  readonly accountKey: Uint8Array;
  /** u64; only grows. */
  readonly version: bigint;
  /** In strictly ascending order of installation key. */
  readonly devices: readonly Device[];
}

/** A verified (or freshly signed) list with the exact bytes the signature covers. */
export interface SignedDeviceList {
  readonly list: DeviceList;
  /** The canonical `DeviceList` protobuf: what is signed, and what two lists are compared by. */
  readonly bytes: Uint8Array;
  /** Ed25519 by the account key over `"parley-device-list-1" || bytes`. */
  readonly signature: Uint8Array;
}

const U64_MAX = (1n << 64n) - 1n;
// Control characters, lone surrogates (not UTF-8), and the bidirectional overrides and isolates, which would let
// a name rearrange the text around it where it is shown.
const UNSAFE_NAME = /[\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]/u;

export function isDeviceName(name: string): boolean {
  const length = utf8(name).length;
  return length >= 1 && length <= MAX_DEVICE_NAME_BYTES && !UNSAFE_NAME.test(name);
}

function signedMessage(bytes: Uint8Array): Uint8Array {
  return concatBytes(DOMAIN_BYTES, bytes);
}

/** The canonical encoding (devices sorted here, so any order of the same devices gives the same bytes). */
export function encodeDeviceList(list: DeviceList): Uint8Array {
  const devices = [...list.devices].sort((a, b) => compareBytes(a.installationKey, b.installationKey));
  return toBinary(
    DeviceListSchema,
    create(DeviceListSchema, {
      accountKey: list.accountKey,
      version: list.version,
      devices: devices.map((d) =>
        create(DeviceSchema, { installationKey: d.installationKey, name: d.name, addedAt: BigInt(d.addedAt) }),
      ),
    }),
  );
}

/**
 * Signs `devices` at `version` with the account key. Throws an AccountError with the code a reader would refuse
 * the list with, so a signer can never publish a list its peers refuse.
 */
export function signDeviceList(
  crypto: CryptoProvider,
  key: AccountKey,
  version: bigint,
  devices: readonly Device[],
): SignedDeviceList {
  if (version < 0n || version > U64_MAX) throw new AccountError("device-list-malformed", "a version is a u64");
  if (!devices.every((d) => Number.isSafeInteger(d.addedAt) && d.addedAt >= 0))
    throw new AccountError("device-list-malformed", "a device time is a non-negative integer of ms");
  const bytes = encodeDeviceList({ accountKey: key.publicKey, version, devices });
  const checked = readDeviceList(crypto, bytes);
  if (!checked.ok) throw checked.error;
  const signature = crypto.ed25519Sign(key.secretKey, signedMessage(bytes));
  return { list: checked.value, bytes, signature };
}

/** The next version of `current` with `device` added (linking, docs/ACCOUNTS.md §4). */
export function addDevice(
  crypto: CryptoProvider,
  key: AccountKey,
  current: DeviceList,
  device: Device,
): SignedDeviceList {
  if (current.devices.some((d) => sameBytes(d.installationKey, device.installationKey)))
    throw new AccountError("device-list-duplicate-device", "the device is already on the list");
  return signDeviceList(crypto, key, nextVersion(current), [...current.devices, device]);
}

/** The next version of `current` without the device of `installationKey` (revoking, docs/ACCOUNTS.md §5). */
export function removeDevice(
  crypto: CryptoProvider,
  key: AccountKey,
  current: DeviceList,
  installationKey: Uint8Array,
): SignedDeviceList {
  const devices = current.devices.filter((d) => !sameBytes(d.installationKey, installationKey));
  if (devices.length === current.devices.length)
    throw new AccountError("device-list-unknown-device", "the device is not on the list");
  return signDeviceList(crypto, key, nextVersion(current), devices);
}

function nextVersion(current: DeviceList): bigint {
  if (current.version >= U64_MAX) throw new AccountError("device-list-malformed", "the list version is exhausted");
  return current.version + 1n;
}

/** The transport form: a `SignedDeviceList` protobuf. */
export function encodeSignedDeviceList(signed: Pick<SignedDeviceList, "bytes" | "signature">): Uint8Array {
  return toBinary(
    SignedDeviceListSchema,
    create(SignedDeviceListSchema, { deviceList: signed.bytes, signature: signed.signature }),
  );
}

/** Total: a transport-form list, verified, or the code it is refused with. */
export function decodeSignedDeviceList(
  crypto: CryptoProvider,
  bytes: Uint8Array,
  account?: Uint8Array,
): Parsed<SignedDeviceList> {
  let proto: { deviceList: Uint8Array; signature: Uint8Array };
  try {
    proto = fromBinary(SignedDeviceListSchema, bytes, { readUnknownFields: false });
  } catch {
    return refuse("device-list-malformed", "not a SignedDeviceList protobuf");
  }
  if (!sameBytes(encodeSignedDeviceList({ bytes: proto.deviceList, signature: proto.signature }), bytes))
    return refuse("device-list-malformed", "the signed list is not canonically encoded");
  return verifyDeviceList(crypto, proto.deviceList, proto.signature, account);
}

/**
 * Total verification of a device list's bytes and signature, in this order: canonical protobuf, account key,
 * devices (count, keys, names, times), duplicates, order, then (when `account` is given) whose list it is, and
 * the signature. Each refusal has its own code; the signature is checked last so a malformed list signed by a
 * real account is still named for what is wrong with it.
 */
export function verifyDeviceList(
  crypto: CryptoProvider,
  bytes: Uint8Array,
  signature: Uint8Array,
  account?: Uint8Array,
): Parsed<SignedDeviceList> {
  const read = readDeviceList(crypto, bytes);
  if (!read.ok) return read;
  if (account !== undefined && !sameBytes(account, read.value.accountKey))
    return refuse("device-list-wrong-account", "the list is another account's");
  if (signature.length !== 64) return refuse("device-list-bad-signature", "a list signature is 64 bytes");
  if (!crypto.ed25519Verify(read.value.accountKey, signedMessage(bytes), signature))
    return refuse("device-list-bad-signature", "the list signature does not verify under its account key");
  return { ok: true, value: { list: read.value, bytes, signature } };
}

/** Everything but the signature: the structural rules of a device list. */
function readDeviceList(crypto: CryptoProvider, bytes: Uint8Array): Parsed<DeviceList> {
  let proto: ListProto;
  try {
    proto = fromBinary(DeviceListSchema, bytes, { readUnknownFields: false });
  } catch {
    return refuse("device-list-malformed", "not a DeviceList protobuf");
  }
  if (proto.accountKey.length !== 32 || !isAcceptableEd25519PublicKey(proto.accountKey))
    return refuse("device-list-bad-account-key", "the account key is not a usable Ed25519 key");
  if (proto.devices.length < 1 || proto.devices.length > MAX_DEVICES)
    return refuse("device-list-malformed", `a list holds 1 to ${MAX_DEVICES} devices`);
  const devices: Device[] = [];
  for (const d of proto.devices) {
    if (!isUsableX25519Key(crypto, d.installationKey))
      return refuse("device-list-bad-device-key", "a device key is not a usable X25519 key");
    if (!isDeviceName(d.name)) return refuse("device-list-malformed", "a device name is empty, too long or unsafe");
    if (d.addedAt > BigInt(Number.MAX_SAFE_INTEGER))
      return refuse("device-list-malformed", "a device time is out of range");
    devices.push({ installationKey: d.installationKey, name: d.name, addedAt: Number(d.addedAt) });
  }
  for (let i = 1; i < devices.length; i++) {
    for (let j = 0; j < i; j++)
      if (sameBytes(devices[i]!.installationKey, devices[j]!.installationKey))
        return refuse("device-list-duplicate-device", "a device is on the list twice");
  }
  for (let i = 1; i < devices.length; i++) {
    if (compareBytes(devices[i - 1]!.installationKey, devices[i]!.installationKey) > 0)
      return refuse("device-list-malformed", "devices are not in canonical order");
  }
  const list: DeviceList = { accountKey: proto.accountKey, version: proto.version, devices };
  // Anything protobuf tolerates but the canonical form does not (unknown or repeated fields, other field
  // order, non-minimal varints, replaced invalid UTF-8) makes the bytes differ from their re-encoding.
  if (!sameBytes(encodeDeviceList(list), bytes))
    return refuse("device-list-malformed", "the list is not canonically encoded");
  return { ok: true, value: list };
}
