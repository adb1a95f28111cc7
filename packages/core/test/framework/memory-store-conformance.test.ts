import { MemoryStore } from "@parley/core";
import { storeConformance } from "../support/store-conformance.js";

storeConformance("MemoryStore", () => new MemoryStore());
