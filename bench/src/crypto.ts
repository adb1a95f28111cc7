/**
 * Crypto providers: the node:crypto provider (OpenSSL, the Node fast path) next to the pure-JS noble provider
 * (what browsers run) on each primitive, measured in the same run. Ratio = noble ops/s ÷ node ops/s.
 * "fresh keys" rows cycle through more keys than the node provider's KeyObject cache holds.
 */
import { type CryptoProvider, NobleCryptoProvider, utf8 } from "@parley/core";
import { blake2bFast, blake2bWasm, keccak256Fast, keccak256Wasm } from "@parley/core/internals";
import { NodeCryptoProvider } from "@parley/core/node";
import { inboxInitiate, inboxRespond } from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";
import { compare, type Row, type Section } from "./harness.js";

const FRESH = 1024;

export const cryptoSection: Section = async () => {
  const node = new NodeCryptoProvider({ random: seededRandom("bench/node") });
  const noble = new NobleCryptoProvider({ random: seededRandom("bench/noble") });
  const r = seededRandom("bench/inputs");
  const sk = r(32);
  const peer = node.x25519PublicKey(r(32));
  const freshPeers = Array.from({ length: FRESH }, () => node.x25519PublicKey(r(32)));
  const edSk = r(32);
  const edPk = node.ed25519PublicKey(edSk);
  const msg = r(100);
  const edSig = node.ed25519Sign(edSk, msg);
  const xPk = node.x25519PublicKey(sk);
  const xSig = node.xeddsaSign(sk, msg);
  const key = r(32);
  const nonce = r(12);
  const kib = r(1024);
  const sealed = node.aeadSeal(key, nonce, kib);
  const rs = node.x25519GenerateKeyPair();
  const re = node.x25519GenerateKeyPair();
  const is = node.x25519GenerateKeyPair();
  const payload = utf8("invite");

  const cases: Record<string, (c: CryptoProvider) => () => unknown> = {
    "X25519 DH (same keys)": (c) => () => c.x25519(sk, peer),
    "X25519 DH (fresh public keys)": (c) => {
      let i = 0;
      return () => c.x25519(sk, freshPeers[i++ % FRESH]!);
    },
    "X25519 key generation": (c) => () => c.x25519GenerateKeyPair(),
    "Ed25519 sign 100 B": (c) => () => c.ed25519Sign(edSk, msg),
    "Ed25519 verify 100 B": (c) => () => c.ed25519Verify(edPk, msg, edSig),
    "XEdDSA sign 100 B": (c) => () => c.xeddsaSign(sk, msg),
    "XEdDSA verify 100 B": (c) => () => c.xeddsaVerify(xPk, msg, xSig),
    "ChaCha20-Poly1305 seal 1 KiB": (c) => () => c.aeadSeal(key, nonce, kib),
    "ChaCha20-Poly1305 open 1 KiB": (c) => () => c.aeadOpen(key, nonce, sealed),
    "BLAKE2b-512 1 KiB": (c) => () => c.blake2b(kib),
    "keyed BLAKE2b-256 (ratchet KDF_CK)": (c) => () => c.blake2b(new Uint8Array(0), { dkLen: 32, key }),
    "BLAKE2s-256 64 B": (c) => () => c.blake2s256(msg.subarray(0, 64)),
    "HKDF HMAC-BLAKE2b-512 L=64 (KDF_RK)": (c) => () => c.hkdf("blake2b512", key, key, payload, 64),
    "HKDF-SHA256 L=32": (c) => () => c.hkdf("sha256", key, key, payload, 32),
    "Noise XK0 inbox handshake (initiate + respond)": (c) => () => {
      const m = inboxInitiate(c, {
        initiatorStatic: is,
        responderStatic: rs.publicKey,
        responderEphemeral: re.publicKey,
        payload,
      });
      return inboxRespond(c, { responderStatic: rs, responderEphemeral: re, message: m.message });
    },
  };

  const rows: Row[] = [];
  for (const [name, make] of Object.entries(cases)) {
    const ops = await compare({ node: make(node), noble: make(noble) }, 3, 120);
    rows.push({ name: `${name} [node]`, value: ops.node!, unit: "ops/s" });
    rows.push({
      name: `${name} [noble]`,
      value: ops.noble!,
      unit: "ops/s",
      ratio: ops.noble! / ops.node!,
      baseline: "node",
    });
  }
  rows.push(...(await hashKernels(r)));
  return {
    section: "crypto providers",
    rows,
    notes: [
      "ratio = noble ops/s ÷ node ops/s (below 1: noble is slower)",
      "node falls back to noble for keyed/short BLAKE2b, Keccak-256 and XEdDSA signing, so those rows are close to 1",
      "hash kernels: our JavaScript kernels vs our WebAssembly ones (what both providers now run), MB/s; ratio = wasm ÷ JS",
    ],
  };
};

/** BLAKE2b-128 (frame ids, SDS ids) and Keccak-256 (entire_message_hash) on 1 KiB and 5 MiB: JS vs wasm kernels. */
async function hashKernels(r: (n: number) => Uint8Array): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [label, size] of [
    ["1 KiB", 1024],
    ["5 MiB", 5 << 20],
  ] as const) {
    const data = r(size);
    const kernels = {
      "BLAKE2b-128": { js: () => blake2bFast(data, 16), wasm: () => blake2bWasm(data, 16) },
      "Keccak-256": { js: () => keccak256Fast(data), wasm: () => keccak256Wasm(data) },
    };
    for (const [name, fns] of Object.entries(kernels)) {
      const ops = await compare(fns, 3, size > 65536 ? 400 : 120);
      const mb = (o: number) => (o * size) / 1e6;
      rows.push({ name: `${name} ${label} [JS kernel]`, value: mb(ops.js!), unit: "MB/s" });
      rows.push({
        name: `${name} ${label} [wasm kernel]`,
        value: mb(ops.wasm!),
        unit: "MB/s",
        ratio: ops.wasm! / ops.js!,
        baseline: "JS kernel",
      });
    }
  }
  return rows;
}
