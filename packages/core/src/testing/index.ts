/**
 * @parley/core/testing: the test doubles and the Store contract suite, for the tests of other packages and of
 * applications. Not for production: MemoryStore keeps nothing, MemoryDelivery is an in-process network with
 * fault injection, VirtualClock moves only when told, seededRandom and SeededPrng repeat a run from a seed. The Store contract suite is its own entry,
 * `@parley/core/testing/store-conformance`, because it loads vitest and fast-check.
 */
export { VirtualClock, type VirtualClockOptions } from "../base/virtual-clock.js";
export { seededRandom } from "../crypto/random.js";
export {
  type DeliveryStats,
  type Faults,
  MemoryDelivery,
  type MemoryDeliveryOptions,
  MemoryEndpoint,
  type PartitionHandle,
  type TraceEvent,
} from "../framework/memory-delivery.js";
export { MemoryStore } from "../framework/memory-store.js";
export { SeededPrng } from "../framework/prng.js";
export { filler } from "./store-model.js";
