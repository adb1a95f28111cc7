export * from "./address.js";
export * from "./addressing.js";
export * from "./errors.js";
export * from "./handshake.js";
export * from "./runtime.js";
export * from "./spec.js";
export * from "./state.js";
