/**
 * @parley/core: the Conversations protocol in TypeScript. Pure: runs in Node and browsers. The node:crypto
 * fast path lives in `@parley/core/node`.
 */
export * from "./base/bytes.js";
export * from "./base/clock.js";
export * from "./base/errors.js";
export * from "./base/virtual-clock.js";
export * from "./client/index.js";
export * from "./conversations/content/index.js";
export * from "./conversations/group-v1/index.js";
export * from "./conversations/inbox-v1/index.js";
export * from "./conversations/private-v1/index.js";
export * from "./crypto/errors.js";
export * from "./crypto/index.js";
export * from "./crypto/provider.js";
export * from "./framework/delivery.js";
export * from "./framework/index.js";
export * from "./framework/store.js";
export * from "./identity/index.js";
export * from "./primitives/index.js";
export * from "./primitives/noise/index.js";
export * as wire from "./wire/index.js";
