export * from "./engine.js";
export * from "./guard.js";
export * from "./runtime.js";
export { type AccountSelfV1Reason, accountSelfV1DecodingTree, accountSelfV1Spec } from "./spec.js";
