import { create, fromBinary, LeaveContentSchema, toBinary } from "../../wire/index.js";
import type { ContentCodec } from "./codec.js";
import { PARLEY_DOMAIN_ID, PARLEY_TAGS } from "./domains.js";
import type { LeaveContent } from "./types.js";

export const leaveCodec: ContentCodec<LeaveContent> = {
  kind: "leave",
  domainId: PARLEY_DOMAIN_ID,
  tag: PARLEY_TAGS.leave,
  encode: () => toBinary(LeaveContentSchema, create(LeaveContentSchema, {})),
  decode(payload) {
    try {
      fromBinary(LeaveContentSchema, payload);
      return { kind: "leave" };
    } catch {
      return undefined;
    }
  },
};
