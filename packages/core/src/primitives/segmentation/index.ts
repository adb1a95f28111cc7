export * from "./errors.js";
export * from "./reassembler.js";
export * from "./segment.js";
