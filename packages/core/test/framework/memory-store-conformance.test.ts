import { MemoryStore } from "@parley/core";
import { storeConformance } from "../../src/testing/store-conformance.js";

storeConformance("MemoryStore", () => new MemoryStore());
