export * from "./errors.js";
export { type CryptoProviderOptions, NobleCryptoProvider } from "./noble.js";
export * from "./provider.js";
export { defaultRandom, seededRandom } from "./random.js";
export { xeddsaEdwardsPublicKey } from "./xeddsa.js";
