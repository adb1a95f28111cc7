/**
 * CONTENTFRAME domains: a domain is the spec that defines a set of content types, named by an integer.
 * Domain 0 is https://github.com/waku-org/specs (where Parley puts text, tag 1). Parley's own types (files,
 * display names, leaving) live in a domain of their own, defined in docs/PROTOCOL.md §5, so they never take
 * a tag that domain 0 may assign.
 */
export const PARLEY_DOMAIN_ID = 0x7061; // "pa"

/** Tags in the Parley domain: never reused. */
export const PARLEY_TAGS = { file: 1, profile: 2, leave: 3 } as const;

/** True when `text` holds a C0 or C1 control character, or a bidirectional override that can reorder it. */
export function hasUnsafeChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
      return true;
  }
  return false;
}
