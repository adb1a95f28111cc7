import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  generateKeyPair,
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
} from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";

export const PEER_KEY_FILE = "peer-key";

/** A deterministic Ed25519 libp2p key from a seed phrase: for fixed, well-known dev addresses only. */
export function peerKeyFromSeed(seed: string): Promise<PrivateKey> {
  return generateKeyPairFromSeed("Ed25519", createHash("sha256").update(`parley-peer-key:${seed}`).digest());
}

/**
 * The node's identity, kept in `dataDir/peer-key` (libp2p protobuf encoding, mode 0600) so its peer id and
 * multiaddr stay the same across restarts. Created on first use; written atomically.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, PEER_KEY_FILE);
  try {
    return privateKeyFromProtobuf(new Uint8Array(await readFile(file)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = await generateKeyPair("Ed25519");
  const tmp = `${file}.tmp`;
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  await rename(tmp, file);
  return key;
}
