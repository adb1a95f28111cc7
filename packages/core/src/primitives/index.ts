/** Protocol primitives: Noise, Double Ratchet, SDS, segmentation. */
export * from "./noise/index.js";
export * from "./ratchet/index.js";
export * from "./sds/index.js";
export * from "./segmentation/index.js";
