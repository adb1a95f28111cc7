import { blake2b } from "@noble/hashes/blake2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex } from "@parley/core";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("without WebAssembly (a page whose CSP lacks 'wasm-unsafe-eval', an engine without wasm)", () => {
  it("the wasm kernels report unavailable and the provider computes the same bytes with the JS kernels", async () => {
    vi.stubGlobal("WebAssembly", undefined);
    vi.resetModules();
    const { blake2bWasm, blake2bWasmAvailable } = await import("../../src/crypto/wasm/blake2b.js");
    const { keccak256Wasm } = await import("../../src/crypto/wasm/keccak.js");
    const { NobleCryptoProvider } = await import("../../src/crypto/noble.js");
    expect(blake2bWasmAvailable()).toBe(false);
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 13) & 0xff);
    expect(blake2bWasm(data, 16)).toBeUndefined();
    expect(keccak256Wasm(data)).toBeUndefined();
    const c = new NobleCryptoProvider();
    expect(toHex(c.blake2b(data, { dkLen: 16 }))).toBe(toHex(blake2b(data, { dkLen: 16 })));
    expect(toHex(c.keccak256(data))).toBe(toHex(keccak_256(data)));
  });

  it("a module that fails to compile (as a CSP refusal does) also falls back", async () => {
    class Refused {
      constructor() {
        throw new Error("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module");
      }
    }
    vi.stubGlobal("WebAssembly", { Module: Refused, Instance: Refused });
    vi.resetModules();
    const { keccakWasmAvailable } = await import("../../src/crypto/wasm/keccak.js");
    const { NobleCryptoProvider } = await import("../../src/crypto/noble.js");
    expect(keccakWasmAvailable()).toBe(false);
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(toHex(new NobleCryptoProvider().keccak256(data))).toBe(toHex(keccak_256(data)));
  });
});
