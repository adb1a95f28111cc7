import { create, fromBinary, ProfileContentSchema, toBinary } from "../../wire/index.js";
import { type ContentCodec, ContentError } from "./codec.js";
import { hasUnsafeChar, PARLEY_DOMAIN_ID, PARLEY_TAGS } from "./domains.js";
import type { ProfileContent } from "./types.js";

/** Longest display name, in UTF-16 code units. */
export const MAX_DISPLAY_NAME = 64;

export function profile(displayName: string): ProfileContent {
  return { kind: "profile", displayName };
}

/** A display name is 1-64 characters, trimmed, on one line, with no control or bidi-override characters. */
export function isDisplayName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_DISPLAY_NAME && name.trim() === name && !hasUnsafeChar(name);
}

export const profileCodec: ContentCodec<ProfileContent> = {
  kind: "profile",
  domainId: PARLEY_DOMAIN_ID,
  tag: PARLEY_TAGS.profile,
  encode(content) {
    if (!isDisplayName(content.displayName))
      throw new ContentError("content-invalid", "a display name is 1-64 characters without control characters");
    return toBinary(ProfileContentSchema, create(ProfileContentSchema, { displayName: content.displayName }));
  },
  decode(payload) {
    try {
      const { displayName } = fromBinary(ProfileContentSchema, payload);
      return isDisplayName(displayName) ? { kind: "profile", displayName } : undefined;
    } catch {
      return undefined;
    }
  },
};
