export * from "./engine.js";
export * from "./runtime.js";
export { type AccountGroupV1Reason, accountGroupV1DecodingTree, accountGroupV1Spec } from "./spec.js";
