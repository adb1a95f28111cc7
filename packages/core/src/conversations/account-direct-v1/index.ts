export * from "./credential.js";
export * from "./device-lists.js";
export * from "./engine.js";
export * from "./guard.js";
export * from "./runtime.js";
export { type AccountDirectV1Reason, accountDirectV1DecodingTree, accountDirectV1Spec } from "./spec.js";
