export * from "./ids.js";
export * from "./runtime.js";
export * from "./session.js";
export * from "./spec.js";
export * from "./state.js";
