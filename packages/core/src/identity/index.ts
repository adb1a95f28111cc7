export * from "./account/index.js";
export * from "./bundle-keys.js";
export * from "./errors.js";
export * from "./installation.js";
export * from "./intro-bundle.js";
export * from "./keys.js";
