export * from "./cipher-state.js";
export * from "./errors.js";
export * from "./handshake-state.js";
export * from "./inbox.js";
export * from "./patterns.js";
export * from "./suite.js";
export { DHLEN, SymmetricState } from "./symmetric-state.js";
