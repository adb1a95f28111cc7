/**
 * The device lists a group carries (docs/ACCOUNTS.md §2: "a list travels with each membership change"): the
 * MLS group-context extension 0xFF02, so every member agrees on them at every epoch, they change only by
 * commit (fork-free, like the roster), and a joiner receives them in its Welcome. Its bytes: u8 format version
 * 1, u32 count, then each list's `SignedDeviceList` protobuf (u32 length prefix), in account key order.
 */

import type { Extension } from "ts-mls";
import { ByteReader, ByteWriter } from "../../base/binary.js";
import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import {
  decodeSignedDeviceList,
  encodeSignedDeviceList,
  type SignedDeviceList,
} from "../../identity/account/device-list.js";

export const DEVICE_LISTS_EXTENSION_TYPE = 0xff02;
const FORMAT = 1;
/** Two accounts per conversation; a few more are tolerated so a refusal names the rule, not the format. */
const MAX_LISTS = 8;

export function encodeDeviceLists(lists: readonly SignedDeviceList[]): Uint8Array {
  const sorted = [...lists].sort((a, b) => (toHex(a.list.accountKey) < toHex(b.list.accountKey) ? -1 : 1));
  const w = new ByteWriter().u8(FORMAT).u32(sorted.length);
  for (const l of sorted) w.bytes(encodeSignedDeviceList(l));
  return w.finish();
}

export function deviceListsExtension(lists: readonly SignedDeviceList[]): Extension {
  return { extensionType: DEVICE_LISTS_EXTENSION_TYPE, extensionData: encodeDeviceLists(lists) };
}

/** Total: each carried list verified or refused with its own code, or undefined for bytes of another format. */
export function decodeDeviceLists(
  crypto: CryptoProvider,
  data: Uint8Array,
  maxLists = MAX_LISTS,
): SignedOrRefused[] | undefined {
  try {
    const r = new ByteReader(data);
    if (r.u8() !== FORMAT) return undefined;
    const count = r.count(4);
    if (count > maxLists) return undefined;
    const out: SignedOrRefused[] = [];
    for (let i = 0; i < count; i++) out.push(decodeSignedDeviceList(crypto, r.bytes()));
    return r.done ? out : undefined;
  } catch {
    return undefined;
  }
}

export type SignedOrRefused = ReturnType<typeof decodeSignedDeviceList>;
