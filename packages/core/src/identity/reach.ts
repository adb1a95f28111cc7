/**
 * Whom a first contact reaches: an installation and one of its bundle keys (the Noise pre-message ephemeral of
 * the InboxV1 handshake). Two shared texts name one: an intro bundle (`logos_chatintro_1_`, the bundle key signed
 * by the installation) and an account address (`parley_account_1_`, the same key signed by the installation for
 * its account, the device on the account's signed list). Either signature proves the installation consents to
 * being reached at that key; the handshake needs nothing else.
 */
import type { CryptoProvider } from "../crypto/provider.js";
import { ACCOUNT_ADDRESS_PREFIX, parseAccountAddress } from "./account/address.js";
import type { AccountError } from "./account/errors.js";
import type { IntroBundleError } from "./errors.js";
import { type IntroBundle, parseIntroBundle } from "./intro-bundle.js";

export type Reach = Pick<IntroBundle, "installationKey" | "ephemeralKey">;

export type ParsedReach =
  | { readonly ok: true; readonly reach: Reach }
  | { readonly ok: false; readonly error: IntroBundleError | AccountError };

/** Whether `text` is written as an account address (its own parser decides whether it is a valid one). */
export function isAccountAddressText(text: string): boolean {
  return text.replace(/\s+/g, "").startsWith(ACCOUNT_ADDRESS_PREFIX);
}

/** Total: an intro bundle or an account address, each checked by its own parser (signatures included). */
export function parseReach(crypto: CryptoProvider, text: string): ParsedReach {
  if (isAccountAddressText(text)) {
    const address = parseAccountAddress(crypto, text);
    if (!address.ok) return address;
    return {
      ok: true,
      reach: { installationKey: address.value.installationKey, ephemeralKey: address.value.ephemeralKey },
    };
  }
  const bundle = parseIntroBundle(crypto, text);
  return bundle.ok ? { ok: true, reach: bundle.bundle } : bundle;
}
