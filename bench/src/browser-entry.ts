/**
 * What the `browser` section runs inside Chromium (bundled by vite into one script): the same Client pair
 * as the `private-v1` section, on the browser's provider, with a MemoryStore or the encrypted IdbStore; and
 * WebCrypto next to noble for the primitives the browser has natively (the measured cost behind
 * `@parley/core/web`'s split). Pure: no Node API.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { WebCryptoProvider } from "@parley/core/web";
import { IdbStore } from "@parley/idb-store";
import { oneWay, parleyPair } from "./client-pair.js";
import { compare, median, opsPerSecond } from "./harness.js";

const TEXT = "x".repeat(256);

async function oneWayOps(store: "memory" | "idb", rounds: number, ms: number): Promise<number> {
  const stamp = `${Date.now()}-${Math.random()}`;
  const p = await parleyPair({
    crypto: () => new WebCryptoProvider(),
    ...(store === "idb"
      ? { store: (name) => IdbStore.open({ name: `bench-${name}-${stamp}`, passphrase: "bench", iterations: 1000 }) }
      : {}),
  });
  const step = oneWay(p, TEXT);
  for (let i = 0; i < 50; i++) await step();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) samples.push(await opsPerSecond(step, ms));
  await Promise.all([p.alice.close(), p.bob.close()]);
  return median(samples);
}

/** ops/s of each primitive on noble (synchronous) and on WebCrypto (asynchronous, keys imported per call). */
async function primitives(rounds: number, ms: number): Promise<Record<string, number>> {
  const web = new WebCryptoProvider();
  const sk = web.randomBytes(32);
  const pk = web.x25519PublicKey(web.randomBytes(32));
  const edSk = web.randomBytes(32);
  const edPk = web.ed25519PublicKey(edSk);
  const msg = web.randomBytes(1024);
  const sig = web.ed25519Sign(edSk, msg);
  const key = web.randomBytes(32);
  const nonce = web.randomBytes(12);
  const aes = await web.subtle.aesGcmKey(key);
  return compare(
    {
      "x25519 noble": () => web.x25519(sk, pk),
      "x25519 webcrypto": () => web.subtle.x25519(sk, pk),
      "ed25519 sign noble": () => web.ed25519Sign(edSk, msg),
      "ed25519 sign webcrypto": () => web.subtle.ed25519Sign(edSk, msg),
      "ed25519 verify noble": () => web.ed25519Verify(edPk, msg, sig),
      "ed25519 verify webcrypto": () => web.subtle.ed25519Verify(edPk, msg, sig),
      "sha256 1KiB noble": () => web.sha256(msg),
      "sha256 1KiB webcrypto": () => web.subtle.sha256(msg),
      "chacha20-poly1305 1KiB noble": () => chacha20poly1305(key, nonce).encrypt(msg),
      "aes-256-gcm 1KiB webcrypto": () => web.subtle.aesGcmSeal(aes, nonce, msg),
    },
    rounds,
    ms,
  );
}

/** One PBKDF2-HMAC-SHA256 derivation at the store's default iterations, in ms. */
async function pbkdf2Ms(iterations: number): Promise<number> {
  const web = new WebCryptoProvider();
  const t = performance.now();
  await web.subtle.pbkdf2Sha256("a passphrase", web.randomBytes(16), iterations);
  return performance.now() - t;
}

(globalThis as { parleyBench?: unknown }).parleyBench = { oneWayOps, primitives, pbkdf2Ms };
