/**
 * Which kernel computes BLAKE2b and Keccak-256: the WebAssembly ones (crypto/wasm) wherever WebAssembly runs,
 * the JavaScript ones (blake2b-fast.ts, keccak-fast.ts) otherwise. Measured per call on Node 20 (2 cores,
 * loaded; docs/PERFORMANCE.md): wasm is faster at every length, including the empty input (BLAKE2b-128 of
 * 0 B: 0.29 vs 0.57 µs; keyed BLAKE2b-256 of 32 B: 0.55 vs 2.3 µs; Keccak-256 of 0 B: 0.46 vs 3.2 µs), so
 * there is no size threshold: the JS kernels are the fallback, and the reference the wasm ones are tested
 * against. Both give the same bytes.
 */
import { blake2bFast } from "./blake2b-fast.js";
import { keccak256Fast } from "./keccak-fast.js";
import { blake2bWasm } from "./wasm/blake2b.js";
import { keccak256Wasm } from "./wasm/keccak.js";

/** BLAKE2b on validated, normalised options (see validate.ts). */
export function blake2bKernel(
  data: Uint8Array,
  dkLen: number,
  key?: Uint8Array,
  salt?: Uint8Array,
  personalization?: Uint8Array,
): Uint8Array {
  return blake2bWasm(data, dkLen, key, salt, personalization) ?? blake2bFast(data, dkLen, key, salt, personalization);
}

export function keccak256Kernel(data: Uint8Array): Uint8Array {
  return keccak256Wasm(data) ?? keccak256Fast(data);
}
