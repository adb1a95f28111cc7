export * from "./address.js";
export * from "./credential.js";
export * from "./effects.js";
export * from "./engine.js";
export * from "./errors.js";
export * from "./fork-choice.js";
export * from "./metadata.js";
export { DEFAULT_SUITE } from "./mls.js";
export { groupV1Spec } from "./spec.js";
