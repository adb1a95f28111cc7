/**
 * BLAKE2b over the WebAssembly compression (blake2b.wat): same parameters and bytes as blake2bFast, for long
 * inputs, where 64-bit arithmetic in wasm runs many times faster than the 32-bit halves JavaScript has to use.
 * This side writes the parameter block and the key block, feeds the input through the module's fixed buffer in
 * 64 KiB chunks (no growth, no copy of the whole input) and pads the last block.
 *
 * Inputs are NOT validated here (the providers do it, validate.ts). After a keyed hash the key block, the
 * chaining state and the part of the input buffer used are zeroed in wasm memory.
 */
import { loadKernel, type WasmKernel } from "./load.js";
import { BLAKE2B_WASM } from "./modules.gen.js";

const BLOCK = 128;
const INPUT = 1024; // offset of the input buffer (see blake2b.wat)
const CAPACITY = 65536; // whole blocks per call

type Blake2bKernel = WasmKernel<"init" | "blocks" | "last">;
let kernel: Blake2bKernel | null | undefined; // undefined: not loaded yet; null: WebAssembly unavailable

function load(): Blake2bKernel | null {
  if (kernel === undefined) kernel = loadKernel(BLAKE2B_WASM, ["init", "blocks", "last"] as const) ?? null;
  return kernel;
}

/** Whether the wasm BLAKE2b can run here (loads it on first call). */
export function blake2bWasmAvailable(): boolean {
  return load() !== null;
}

/**
 * BLAKE2b of `data` with output length `dkLen` (1..64), optional key (0..64 bytes), salt and personalization
 * (at most 16 bytes each, zero-padded); undefined when WebAssembly is unavailable.
 */
export function blake2bWasm(
  data: Uint8Array,
  dkLen = 64,
  key?: Uint8Array,
  salt?: Uint8Array,
  personalization?: Uint8Array,
): Uint8Array | undefined {
  const k = load();
  if (k === null) return undefined;
  const { memory, call } = k;
  const keyLength = key === undefined ? 0 : key.length;
  // Parameter block: digest length, key length, fanout 1, depth 1; salt at 32, personalization at 48.
  memory.fill(0, 0, 64);
  memory[0] = dkLen;
  memory[1] = keyLength;
  memory[2] = 1;
  memory[3] = 1;
  if (salt !== undefined) memory.set(salt.subarray(0, 16), 32);
  if (personalization !== undefined) memory.set(personalization.subarray(0, 16), 48);
  call.init(0);
  const n = data.length;
  if (keyLength > 0) {
    memory.fill(0, INPUT, INPUT + BLOCK);
    memory.set(key!, INPUT);
    if (n === 0) call.last(BLOCK);
    else call.blocks(1);
  }
  // Every whole block but the last one; the last block (full, partial or empty) carries the final flag.
  const body = n === 0 ? 0 : (Math.ceil(n / BLOCK) - 1) * BLOCK;
  for (let off = 0; off < body; off += CAPACITY) {
    const length = Math.min(CAPACITY, body - off);
    memory.set(data.subarray(off, off + length), INPUT);
    call.blocks(length / BLOCK);
  }
  if (n > 0 || keyLength === 0) {
    memory.set(data.subarray(body), INPUT);
    memory.fill(0, INPUT + n - body, INPUT + BLOCK);
    call.last(n - body);
  }
  const out = memory.slice(0, dkLen);
  if (keyLength > 0) {
    // The key block and everything chained from it are secrets.
    memory.fill(0, 0, 64);
    memory.fill(0, INPUT, INPUT + Math.min(CAPACITY, Math.max(BLOCK, n)));
  }
  return out;
}
