/**
 * @parley/core/internals: the machinery behind the Client, for benchmarks and tests of other packages. No
 * stability promise: applications use `@parley/core`. Noise, the ratchet, SDS and segmentation are
 * `@parley/core/primitives`; the protobuf schemas `@parley/core/wire`; test doubles `@parley/core/testing`.
 */
export * from "./base/bytes.js";
export * from "./client/index.js";
export * from "./conversations/content/index.js";
export * from "./conversations/group-v1/index.js";
export * from "./conversations/inbox-v1/index.js";
export * from "./conversations/private-v1/index.js";
export { blake2bFast } from "./crypto/blake2b-fast.js";
export * from "./crypto/hint-hash.js";
export { keccak256Fast } from "./crypto/keccak-fast.js";
export { blake2bWasm } from "./crypto/wasm/blake2b.js";
export { keccak256Wasm } from "./crypto/wasm/keccak.js";
export { xeddsaEdwardsPublicKey } from "./crypto/xeddsa.js";
export * from "./framework/index.js";
export * from "./identity/index.js";
export * from "./wire/hand/private-v1-frame.js";
