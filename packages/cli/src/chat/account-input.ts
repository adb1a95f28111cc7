/**
 * What the account commands typed in `parley chat` mean (docs/ACCOUNTS.md §1): pure, like input.ts, which
 * hands them every command it does not know itself.
 */

/** An account address starts with this (docs/ACCOUNTS.md §1). */
export const ADDRESS_PREFIX = "parley_account_1_";
/** A link code starts with this (docs/ACCOUNTS.md §4). */
export const LINK_CODE_PREFIX = "parley_link_1_";

export type AccountCommand =
  | { readonly kind: "account" }
  | { readonly kind: "address" }
  /** `/new <address>`: the address with every space and line break taken out (reading ignores them). */
  | { readonly kind: "new-account"; readonly address: string }
  | { readonly kind: "linkcode" }
  | { readonly kind: "link"; readonly code: string }
  | { readonly kind: "confirm"; readonly name?: string }
  | { readonly kind: "cancel" }
  | { readonly kind: "devices" }
  | { readonly kind: "revoke"; readonly n: number };

type Invalid = { readonly kind: "invalid"; readonly message: string };

/** The account commands with what they do, for `/help` and `parley chat --help`. */
export const ACCOUNT_HELP: readonly (readonly [string, string])[] = [
  [
    "/account",
    "show this device's account (primary or linked, devices); with none, asks, then makes this device the primary of a new account and shows its recovery code once",
  ],
  ["/address", "show my account address: /new <address> on another account's device reaches all my devices"],
  ["/linkcode", "on a new device: show the link code to type on your primary device with /link"],
  ["/link CODE", "on the primary: start linking the device that shows CODE; both show six words to compare"],
  ["/confirm [NAME]", "the six words match: link the device (named NAME)"],
  ["/cancel", "the words differ, or you changed your mind: nothing is linked"],
  ["/devices", "list the devices of my account"],
  ["/revoke N", "on the primary: remove device N (a lost one) from the account (asks first)"],
];

/** Whitespace and box borders (a code copied from the screen) taken out. */
function joined(text: string): string {
  return text.replace(/[\u2500-\u257f\s]/g, "");
}

/** `cmd` (lowercase) with what followed it, or undefined when it is not an account command. */
export function parseAccountInput(cmd: string, arg: string): AccountCommand | Invalid | undefined {
  switch (cmd) {
    case "account":
      return { kind: "account" };
    case "address":
      return { kind: "address" };
    case "linkcode":
      return { kind: "linkcode" };
    case "link": {
      const code = joined(arg);
      if (!code) return { kind: "invalid", message: "usage: /link CODE (the code /linkcode shows on the new device)" };
      if (!code.startsWith(LINK_CODE_PREFIX))
        return { kind: "invalid", message: `that is not a link code (they start with ${LINK_CODE_PREFIX})` };
      return { kind: "link", code };
    }
    case "confirm": {
      const name = arg.replace(/\s+/g, " ");
      if (name.length > 64)
        return { kind: "invalid", message: "usage: /confirm [NAME] (a device name of 1-64 characters)" };
      return name ? { kind: "confirm", name } : { kind: "confirm" };
    }
    case "cancel":
      return { kind: "cancel" };
    case "devices":
      return { kind: "devices" };
    case "revoke": {
      const n = Number(arg);
      if (!arg || !Number.isInteger(n) || n < 1) return { kind: "invalid", message: "usage: /revoke N (see /devices)" };
      return { kind: "revoke", n };
    }
    default:
      return undefined;
  }
}

/** `/new` followed by an account address (instead of an intro bundle). */
export function addressCommand(after: string): AccountCommand | undefined {
  const address = joined(after);
  return address.startsWith(ADDRESS_PREFIX) ? { kind: "new-account", address } : undefined;
}
