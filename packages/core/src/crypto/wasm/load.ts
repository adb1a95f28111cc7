/**
 * Synchronous instantiation of the hash kernels (modules.gen.ts). Core's CryptoProvider is synchronous, so the
 * modules are compiled with `new WebAssembly.Module`; they are under 2 KiB each, within what browsers allow on
 * the main thread. Where WebAssembly is missing or refused (a Content-Security-Policy without
 * 'wasm-unsafe-eval', an engine run with wasm disabled) loading returns undefined and callers keep the
 * JavaScript kernels.
 */

/** The slice of the WebAssembly namespace used here (core compiles without the DOM library). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** An instantiated kernel: its functions by name and a view of its memory (fixed size, so the view stays valid). */
export interface WasmKernel<Name extends string> {
  readonly memory: Uint8Array;
  /** Every export the drivers call takes one i32 and returns nothing. */
  readonly call: Readonly<Record<Name, (n: number) => void>>;
}

/** Instantiates the module in `base64`; undefined if WebAssembly is unavailable or an export is missing. */
export function loadKernel<Name extends string>(base64: string, names: readonly Name[]): WasmKernel<Name> | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) return undefined;
  let exports: Record<string, unknown>;
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    exports = new api.Instance(new api.Module(bytes), {}).exports;
  } catch {
    // CompileError, or the error a Content-Security-Policy without 'wasm-unsafe-eval' raises.
    return undefined;
  }
  const memory = exports.memory as { buffer?: unknown } | undefined;
  if (!(memory?.buffer instanceof ArrayBuffer)) return undefined;
  const call = {} as Record<Name, (n: number) => void>;
  for (const name of names) {
    const f = exports[name];
    if (typeof f !== "function") return undefined;
    call[name] = f as (n: number) => void;
  }
  return { memory: new Uint8Array(memory.buffer), call };
}
