export * from "./errors.js";
export * from "./header.js";
export * from "./kdf.js";
export * from "./ratchet.js";
export * from "./receiver-cache.js";
export * from "./state.js";
