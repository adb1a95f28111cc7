export * from "./ids.js";
export * from "./invite.js";
export * from "./runtime.js";
export * from "./segment-records.js";
export * from "./session.js";
export * from "./spec.js";
export * from "./state.js";
