import { fromHex, fromUtf8, toHex, utf8 } from "../base/bytes.js";
import type { CryptoProvider } from "../crypto/provider.js";

/**
 * The identity of this client: one X25519 installation key (WakuChat "InstallationKey"). It is created once,
 * stored, and never changes across restarts.
 */
export interface Installation {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  /** Unix ms. */
  readonly createdAt: number;
}

export function createInstallation(crypto: CryptoProvider, now: number): Installation {
  const kp = crypto.x25519GenerateKeyPair();
  return { publicKey: kp.publicKey, secretKey: kp.secretKey, createdAt: now };
}

export function encodeInstallation(i: Installation): Uint8Array {
  return utf8(JSON.stringify({ v: 1, pk: toHex(i.publicKey), sk: toHex(i.secretKey), at: i.createdAt }));
}

export function decodeInstallation(bytes: Uint8Array): Installation | undefined {
  try {
    const o = JSON.parse(fromUtf8(bytes) ?? "") as { v: number; pk: string; sk: string; at: number };
    const publicKey = fromHex(o.pk);
    const secretKey = fromHex(o.sk);
    if (o.v !== 1 || publicKey?.length !== 32 || secretKey?.length !== 32 || typeof o.at !== "number") return undefined;
    return { publicKey, secretKey, createdAt: o.at };
  } catch {
    return undefined;
  }
}
