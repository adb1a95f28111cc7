import { MemoryStore } from "@parley/core/testing";
import { storeConformance } from "../../src/testing/store-conformance.js";

storeConformance("MemoryStore", () => new MemoryStore());
