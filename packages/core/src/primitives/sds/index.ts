export * from "./bloom.js";
export * from "./channel.js";
export * from "./errors.js";
export * from "./message.js";
export * from "./state.js";
