import { base64urlEncode, concatBytes, constantTimeEqual, utf8 } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { INTRO_BUNDLE_PREFIX, type IntroBundle } from "../intro-bundle.js";
import { type Parsed, refuse } from "./errors.js";
import { isUsableX25519Key } from "./keys.js";
import { textPayload } from "./text-form.js";

/** Text prefix of the code a new device shows to be linked (docs/ACCOUNTS.md §4). */
export const LINK_CODE_PREFIX = "parley_link_1_";

const KEY = 32;
const SIGNATURE = 64;
const BODY = 2 * KEY + SIGNATURE;
const CHECKSUM = 4;
const PERSONAL = utf8("parley-link-code");
const MAX_CHARS = LINK_CODE_PREFIX.length + Math.ceil(((BODY + CHECKSUM) * 4) / 3);

/**
 * The link code carries the new device's intro bundle (installation key, a fresh bundle key and the bundle's
 * XEdDSA signature, exactly as `logos_chatintro_1_` signs it, so it feeds the InboxV1 handshake unchanged) and
 * a 4-byte checksum, BLAKE2b-32 personalised "parley-link-code": fixed 132 bytes, base64url. The checksum tells
 * a damaged paste (`link-bad-checksum`) from a forged code (`link-bad-signature`); neither is what makes linking
 * safe, the confirmation words are (sas.ts).
 */
export function encodeLinkCode(crypto: CryptoProvider, bundle: IntroBundle): string {
  const body = concatBytes(bundle.installationKey, bundle.ephemeralKey, bundle.signature);
  if (body.length !== BODY) throw new RangeError("an intro bundle is two 32-byte keys and a 64-byte signature");
  return LINK_CODE_PREFIX + base64urlEncode(concatBytes(body, checksum(crypto, body)));
}

function checksum(crypto: CryptoProvider, body: Uint8Array): Uint8Array {
  return crypto.blake2b(body, { dkLen: CHECKSUM, personalization: PERSONAL });
}

/**
 * Total parser, in order: prefix, length, base64url, payload length, checksum, keys, signature. Whitespace
 * anywhere is ignored.
 */
export function parseLinkCode(crypto: CryptoProvider, text: string): Parsed<IntroBundle> {
  const bytes = textPayload(text, LINK_CODE_PREFIX, MAX_CHARS);
  if (bytes === "missing-prefix") return refuse("link-missing-prefix", "not a parley_link_1_ code");
  if (bytes === "too-long") return refuse("link-bad-length", "longer than a link code");
  if (bytes === "bad-base64") return refuse("link-bad-base64", "the link code is not base64url without padding");
  if (bytes.length !== BODY + CHECKSUM) return refuse("link-bad-length", `a link code holds ${BODY + CHECKSUM} bytes`);
  const body = bytes.subarray(0, BODY);
  if (!constantTimeEqual(checksum(crypto, body), bytes.subarray(BODY)))
    return refuse("link-bad-checksum", "the link code is damaged (checksum)");
  const bundle: IntroBundle = {
    installationKey: bytes.slice(0, KEY),
    ephemeralKey: bytes.slice(KEY, 2 * KEY),
    signature: bytes.slice(2 * KEY, BODY),
  };
  if (!isUsableX25519Key(crypto, bundle.installationKey) || !isUsableX25519Key(crypto, bundle.ephemeralKey))
    return refuse("link-bad-key", "the link code carries an unusable X25519 key");
  if (!verifies(crypto, bundle))
    return refuse("link-bad-signature", "the link code's bundle signature does not verify");
  return { ok: true, value: bundle };
}

function verifies(crypto: CryptoProvider, b: IntroBundle): boolean {
  try {
    return crypto.xeddsaVerify(b.installationKey, concatBytes(utf8(INTRO_BUNDLE_PREFIX), b.ephemeralKey), b.signature);
  } catch {
    return false;
  }
}
