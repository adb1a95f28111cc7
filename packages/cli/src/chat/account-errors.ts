/**
 * The account errors (ClientError and AccountError codes of `client.account`, docs/ACCOUNTS.md §8) in plain
 * words. `message` is "code: what the library said", as errors.ts receives it.
 */
const ACCOUNT_TEXTS: readonly (readonly [RegExp, string])[] = [
  [
    /^account-exists:/,
    "this device already belongs to an account (/account shows it); a link code is for a new device",
  ],
  [/^no-account:/, "this device belongs to no account: /account creates one, /linkcode links it to yours"],
  [
    /^not-account-primary:/,
    "only the primary device (the one that created the account and holds its key) links and revokes devices",
  ],
  [/^not-on-account-list:/, "that device list does not name this device (the primary cannot revoke itself)"],
  [/^own-account:/, "that is your own account's address: give it to others, they use it to reach all your devices"],
  [/^own-bundle: this link code/, "that is this device's own link code: type it on your primary device"],
  [/^link-in-progress:/, "another link waits for /confirm or /cancel: answer it first"],
  [/^link-cancelled:/, "that link was cancelled: /link CODE starts again"],
  [
    /^link-wrong-account:/,
    "a link offer came from a device of another account than it claims: refused, nothing changed",
  ],
  [/^link-not-expected:/, "a link offer came to this device, which shows no link code: refused, nothing changed"],
  [/^link-bad-checksum:/, "that link code is damaged (a character is wrong or missing): copy it again"],
  [
    /^link-bad-signature:|^link-bad-key:/,
    "that link code is forged or damaged (its signature does not check): show it again",
  ],
  [/^link-words-pending:/, "the six words are not known yet: /confirm once both devices show them"],
  [
    /^link-commit-repeated:|^link-commit-mismatch:/,
    "a second or altered attempt to link with that code was refused (someone may be in between): show a new link code",
  ],
  [
    /^link-wrong-conversation:|^link-out-of-order:|^link-payload-malformed:/,
    "a link message came out of place and was refused: nothing changed",
  ],
  [/^not-a-link:/, "that conversation is not a link"],
  [/^link-/, "that is not a complete link code (part of it may be missing): copy it again"],
  [
    /^address-bad-signature:|^address-device-not-listed:|^address-bad-key:/,
    "that account address is forged or damaged (its signatures do not check): ask for it again",
  ],
  [/^address-/, "that is not a complete account address (part of it may be missing): copy it again"],
  [/^device-list-rollback:/, "that device list is older than the one this device holds: refused"],
  [/^device-list-fork:/, "that device list differs from the one of the same version this device holds: refused"],
  [/^device-list-/, "that device list does not check (forged, damaged or of another account): refused"],
  [/^account-state-/, "this profile's account record is damaged: it cannot be read"],
];

/** The plain text of an account error, or undefined when `message` is not one. */
export function accountErrorText(message: string): string | undefined {
  return ACCOUNT_TEXTS.find(([re]) => re.test(message))?.[1];
}
