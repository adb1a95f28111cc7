export * from "./codec.js";
export * from "./domains.js";
export * from "./file.js";
export * from "./leave.js";
export * from "./profile.js";
export * from "./text.js";
export * from "./types.js";
