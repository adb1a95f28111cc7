import { toHex } from "../../../src/base/bytes.js";
import type { CryptoProvider } from "../../../src/crypto/provider.js";
import { accountKeyFromSeed } from "../../../src/identity/account/account-key.js";
import { encodeAccountAddress, makeAccountAddress } from "../../../src/identity/account/address.js";
import { encodeSignedDeviceList, signDeviceList } from "../../../src/identity/account/device-list.js";
import { DeviceListBook } from "../../../src/identity/account/device-list-book.js";
import { encodeLinkCode } from "../../../src/identity/account/link-code.js";
import { encodeRecoveryCode } from "../../../src/identity/account/recovery-code.js";
import { linkSas } from "../../../src/identity/account/sas.js";
import { signIntroBundle } from "../../../src/identity/intro-bundle.js";

const fill = (byte: number) => new Uint8Array(32).fill(byte);

/**
 * Every account format from fixed keys. XEdDSA signatures draw 64 random bytes each, so `crypto` must be a
 * fresh provider on `seededRandom("account-vectors")`, and the calls stay in this order.
 */
export function accountVectors(crypto: CryptoProvider): Record<string, string> {
  const account = accountKeyFromSeed(
    crypto,
    Uint8Array.from({ length: 32 }, (_, i) => i + 1),
  );
  const phoneSecret = fill(0x11);
  const laptopSecret = fill(0x22);
  const list = signDeviceList(crypto, account, 7n, [
    { installationKey: crypto.x25519PublicKey(phoneSecret), name: "phone", addedAt: 1_700_000_000_000 },
    { installationKey: crypto.x25519PublicKey(laptopSecret), name: "laptop ☕", addedAt: 1_700_000_100_000 },
  ]);
  const bundleKey = crypto.x25519PublicKey(fill(0x33));
  const book = DeviceListBook.empty().offer(crypto, list);
  if (!book.ok) throw book.error;
  return {
    accountKey: toHex(account.publicKey),
    recoveryCode: encodeRecoveryCode(crypto, account),
    deviceList: toHex(list.bytes),
    deviceListSignature: toHex(list.signature),
    signedDeviceList: toHex(encodeSignedDeviceList(list)),
    bookState: toHex(book.value.book.encode()),
    address: encodeAccountAddress(makeAccountAddress(crypto, phoneSecret, bundleKey, list)),
    linkCode: encodeLinkCode(crypto, signIntroBundle(crypto, laptopSecret, bundleKey)),
    sas: linkSas(
      crypto,
      Uint8Array.from({ length: 32 }, (_, i) => i),
    ).text,
  };
}
