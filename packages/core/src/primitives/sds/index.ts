export * from "./bloom.js";
export * from "./channel.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./message.js";
export * from "./options.js";
export { nextResend, type OutgoingTimers, outgoingTimers } from "./outgoing-index.js";
export * from "./state.js";
