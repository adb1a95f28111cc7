export * from "./client.js";
export * from "./errors.js";
export * from "./event-stream.js";
export * from "./types.js";
