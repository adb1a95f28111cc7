import { describe, expect, it } from "vitest";
import { fromHex } from "../../../src/base/bytes.js";
import { NobleCryptoProvider, seededRandom } from "../../../src/crypto/index.js";
import { NodeCryptoProvider } from "../../../src/crypto/node.js";
import { parseAccountAddress } from "../../../src/identity/account/address.js";
import { decodeSignedDeviceList } from "../../../src/identity/account/device-list.js";
import { DeviceListBook } from "../../../src/identity/account/device-list-book.js";
import { parseLinkCode } from "../../../src/identity/account/link-code.js";
import { restoreAccountKey } from "../../../src/identity/account/recovery-code.js";
import { accountVectors } from "./vectors.js";

/**
 * Known answers, generated once from fixed keys (vectors.ts) and pinned: any change of an encoding, a domain
 * string, a checksum or the word list shows here. Both providers must produce them.
 */
const PINNED: Record<string, string> = {
  accountKey: "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664",
  recoveryCode: "0410-6105-0R3G-G28A-1C60-T3GF-208H-44RM-2MB1-E60S-38DH-R78Y-3WG5-A3BR",
  deviceList:
    "0a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966410071a350a200faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20120a6c6170746f7020e2989518a0dd9bffbc311a300a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13120570686f6e651880d095ffbc31",
  deviceListSignature:
    "c0c4c8c9559a04b73640a6a1a9601008fdab58667431076db72fb43e712f4c5dc6c6bb6f5456fd2e985e098316dfc921c783243212c3d65a5d72013560871e01",
  signedDeviceList:
    "0a8d010a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966410071a350a200faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20120a6c6170746f7020e2989518a0dd9bffbc311a300a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13120570686f6e651880d095ffbc311240c0c4c8c9559a04b73640a6a1a9601008fdab58667431076db72fb43e712f4c5dc6c6bb6f5456fd2e985e098316dfc921c783243212c3d65a5d72013560871e01",
  bookState:
    "01000000010000008d0a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966410071a350a200faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20120a6c6170746f7020e2989518a0dd9bffbc311a300a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13120570686f6e651880d095ffbc3100000040c0c4c8c9559a04b73640a6a1a9601008fdab58667431076db72fb43e712f4c5dc6c6bb6f5456fd2e985e098316dfc921c783243212c3d65a5d72013560871e01",
  address:
    "parley_account_1_CtIBCo0BCiB5tVYuj-ZU-UB4sRLoqYunkB-FOuaVvtfg45ELrQSWZBAHGjUKIA-qaE7SiGe5f0pqLe5d-M6XTna3AY4_IqHEzyZ4Vw8gEgpsYXB0b3Ag4piVGKDdm_-8MRowCiB7TpCbvn_-RMRloiADfWCO41iX0x75cvB_dIkssPc_ExIFcGhvbmUYgNCV_7wxEkDAxMjJVZoEtzZApqGpYBAI_atYZnQxB223L7Q-cS9MXcbGu29UVv0umF4JgxbfySHHgyQyEsPWWl1yATVghx4BEiB7TpCbvn_-RMRloiADfWCO41iX0x75cvB_dIkssPc_Exogew1H2TQn-DERYHgcfHM_2J-IlwrvSQ2KoO4ZpMuKGxQiQK6woiXTn007E3PmK89WQeKNvGvLm_r5REqA2g2r6ZBVhMENet1YkKIt2_6EKk35poKNB8lUSQ6DsG71hL68uA4",
  linkCode:
    "parley_link_1_D6poTtKIZ7l_Smot7l34zpdOdrcBjj8iocTPJnhXDyB7DUfZNCf4MRFgeBx8cz_Yn4iXCu9JDYqg7hmky4obFPoPT5BDl_zGzqQNgvXCq-Selg-NUEwGR8vC31f6m__nqo1V3YZz6TBFkfDHF1N8R3wTXAtj28hPNTJTkSmRawrJdP1U",
  sas: "coral salmon sketch copper yacht arena",
};

describe("account formats: known-answer vectors", () => {
  it("the pure-JS provider produces the pinned bytes and texts", () => {
    expect(accountVectors(new NobleCryptoProvider({ random: seededRandom("account-vectors") }))).toEqual(PINNED);
  });

  it("the node:crypto provider produces the same", () => {
    expect(accountVectors(new NodeCryptoProvider({ random: seededRandom("account-vectors") }))).toEqual(PINNED);
  });

  it("the pinned texts and states read back", () => {
    const crypto = new NobleCryptoProvider({ random: seededRandom("account-vectors/read") });
    const key = restoreAccountKey(crypto, PINNED.recoveryCode!);
    expect(key.ok && key.value.publicKey).toEqual(fromHex(PINNED.accountKey!));
    const list = decodeSignedDeviceList(crypto, fromHex(PINNED.signedDeviceList!)!);
    expect(list.ok && list.value.list.devices.map((d) => d.name)).toEqual(["laptop ☕", "phone"]);
    expect(parseAccountAddress(crypto, PINNED.address!).ok).toBe(true);
    expect(parseLinkCode(crypto, PINNED.linkCode!).ok).toBe(true);
    const book = DeviceListBook.decode(crypto, fromHex(PINNED.bookState!)!);
    expect(book.ok && book.value.get(fromHex(PINNED.accountKey!)!)?.list.version).toBe(7n);
  });
});
