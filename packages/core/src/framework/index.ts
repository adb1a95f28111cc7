/** The Conversations framework: type specs and registry, envelope and hints, decoder, topics, runtime. */

export * from "./conversation-store.js";
export * from "./decoder.js";
export * from "./delivery.js";
export * from "./envelope.js";
export * from "./errors.js";
export * from "./hints.js";
export * from "./lifecycle.js";
export * from "./registry.js";
export * from "./runtime.js";
export * from "./scoped-transaction.js";
export * from "./spec-doc.js";
export * from "./store.js";
export * from "./topics.js";
export * from "./type-spec.js";
export { firstNonJsonable, validateDecodingTree, validateSpec } from "./validate-spec.js";
