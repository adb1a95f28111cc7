export * from "./errors.js";
export * from "./noble.js";
export * from "./provider.js";
export { defaultRandom, seededRandom } from "./random.js";
export { xeddsaEdwardsPublicKey } from "./xeddsa.js";
