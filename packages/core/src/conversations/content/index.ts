export * from "./codec.js";
export * from "./text.js";
export * from "./types.js";
