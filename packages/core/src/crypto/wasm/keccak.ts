/**
 * Keccak-256 over the WebAssembly permutation (keccak.wat): same bytes as keccak256Fast, for long inputs. The
 * input goes through the module's fixed buffer in chunks of whole 136-byte blocks; the last block is padded
 * here with Keccak's pad10*1 (0x01 ... 0x80) and the digest is the first 32 bytes of the state.
 * Nothing secret passes through here.
 */
import { loadKernel, type WasmKernel } from "./load.js";
import { KECCAK_WASM } from "./modules.gen.js";

const RATE = 136;
const STATE = 200;
const INPUT = 1024; // offset of the input buffer (see keccak.wat)
const CAPACITY = 481 * RATE; // whole blocks per call

type KeccakKernel = WasmKernel<"absorb">;
let kernel: KeccakKernel | null | undefined; // undefined: not loaded yet; null: WebAssembly unavailable

function load(): KeccakKernel | null {
  if (kernel === undefined) kernel = loadKernel(KECCAK_WASM, ["absorb"] as const) ?? null;
  return kernel;
}

/** Whether the wasm Keccak can run here (loads it on first call). */
export function keccakWasmAvailable(): boolean {
  return load() !== null;
}

/** Keccak-256 of `data` (32 bytes); undefined when WebAssembly is unavailable. */
export function keccak256Wasm(data: Uint8Array): Uint8Array | undefined {
  const k = load();
  if (k === null) return undefined;
  const { memory, call } = k;
  memory.fill(0, 0, STATE);
  const n = data.length;
  const body = n - (n % RATE);
  for (let off = 0; off < body; off += CAPACITY) {
    const length = Math.min(CAPACITY, body - off);
    memory.set(data.subarray(off, off + length), INPUT);
    call.absorb(length / RATE);
  }
  const rest = n - body;
  memory.set(data.subarray(body), INPUT);
  memory.fill(0, INPUT + rest, INPUT + RATE);
  memory[INPUT + rest] = 0x01;
  memory[INPUT + RATE - 1] = memory[INPUT + RATE - 1]! | 0x80;
  call.absorb(1);
  return memory.slice(0, 32);
}
