import { concatBytes, utf8 } from "../../../src/base/bytes.js";
import { NobleCryptoProvider, seededRandom } from "../../../src/crypto/index.js";
import { type AccountKey, createAccountKey } from "../../../src/identity/account/account-key.js";
import { DEVICE_LIST_DOMAIN, type Device } from "../../../src/identity/account/device-list.js";
import type { Parsed } from "../../../src/identity/account/errors.js";
import { create, DeviceListSchema, DeviceSchema, toBinary } from "../../../src/wire/index.js";

export const crypto = new NobleCryptoProvider({ random: seededRandom("account-test") });

export function device(name: string, addedAt = 1_000): Device {
  return { installationKey: crypto.x25519GenerateKeyPair().publicKey, name, addedAt };
}

export function account(): AccountKey {
  return createAccountKey(crypto);
}

/** The refusal code of a parse result, undefined when it was accepted. */
export function code<T>(r: Parsed<T>): string | undefined {
  return r.ok ? undefined : r.error.code;
}

/** Order-8 point of Curve25519 (u-coordinate, little-endian). */
export const LOW_ORDER = Uint8Array.from([
  0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d,
  0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
]);

export interface RawDevice {
  installationKey: Uint8Array;
  name: string;
  addedAt: bigint;
}

/**
 * A list encoded exactly as given (no sorting, no checks) and signed correctly by `key`: how a signer that
 * breaks the rules would make one, so each verification rule is reached behind a valid signature.
 */
export function rawSignedList(
  key: AccountKey,
  fields: { accountKey?: Uint8Array; version?: bigint; devices: RawDevice[] },
  tail: Uint8Array = new Uint8Array(0),
): { bytes: Uint8Array; signature: Uint8Array } {
  const bytes = concatBytes(
    toBinary(
      DeviceListSchema,
      create(DeviceListSchema, {
        accountKey: fields.accountKey ?? key.publicKey,
        version: fields.version ?? 1n,
        devices: fields.devices.map((d) => create(DeviceSchema, d)),
      }),
    ),
    tail,
  );
  return { bytes, signature: crypto.ed25519Sign(key.secretKey, concatBytes(utf8(DEVICE_LIST_DOMAIN), bytes)) };
}

export function raw(d: Device): RawDevice {
  return { installationKey: d.installationKey, name: d.name, addedAt: BigInt(d.addedAt) };
}
