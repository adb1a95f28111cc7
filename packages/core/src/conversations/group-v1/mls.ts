/**
 * The thin layer over ts-mls: ciphersuite, client configuration (with the credential-binding authentication
 * service), state (de)serialization, rosters and epoch ids. Everything MLS-specific the engine needs is here.
 */
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type ClientState,
  type Credential,
  ciphersuites,
  decodeGroupState,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  encodeGroupState,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { concatBytes, toHex, u64be } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { verifyCredential } from "./credential.js";
import { METADATA_EXTENSION_TYPE } from "./metadata.js";

export const DEFAULT_SUITE: CiphersuiteName = "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";
export const EPOCH_ID_BYTES = 16;

export async function loadSuite(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  return getCiphersuiteImpl(getCiphersuiteFromName(name));
}

export function suiteId(name: CiphersuiteName): number {
  return ciphersuites[name];
}

export function suiteName(id: number): CiphersuiteName | undefined {
  for (const [name, value] of Object.entries(ciphersuites)) if (value === id) return name as CiphersuiteName;
  return undefined;
}

/** Capabilities of our key packages: every member must understand the metadata extension. */
export function capabilities() {
  const caps = defaultCapabilities();
  caps.extensions.push(METADATA_EXTENSION_TYPE);
  return caps;
}

export function clientConfig(crypto: CryptoProvider, retainEpochs: number): ClientConfig {
  return {
    // Our own epoch snapshots serve late messages; ts-mls's per-state history only needs to cover one hop.
    keyRetentionConfig: {
      retainKeysForGenerations: 64,
      retainKeysForEpochs: retainEpochs,
      maximumForwardRatchetSteps: 1000,
    },
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService: {
      async validateCredential(credential: Credential, signaturePublicKey: Uint8Array) {
        return (
          credential.credentialType === "basic" &&
          verifyCredential(crypto, credential.identity, signaturePublicKey) !== undefined
        );
      },
    },
  };
}

export function encodeState(state: ClientState): Uint8Array {
  return encodeGroupState(state);
}

export function decodeState(bytes: Uint8Array, config: ClientConfig): ClientState | undefined {
  try {
    const decoded = decodeGroupState(bytes, 0);
    if (!decoded || decoded[1] !== bytes.length) return undefined;
    return { ...decoded[0], clientConfig: config };
  } catch {
    return undefined;
  }
}

/**
 * The id of an epoch: BLAKE2b-128 over group id, epoch number and the confirmed transcript hash. The
 * transcript hash covers every commit since creation, so two branches never share an id, and a member that
 * joined by Welcome computes the same id as the members that processed the commit.
 */
export function epochId(crypto: CryptoProvider, state: ClientState): string {
  const ctx = state.groupContext;
  return toHex(
    crypto.blake2b(concatBytes(ctx.groupId, u64be(ctx.epoch), ctx.confirmedTranscriptHash), { dkLen: EPOCH_ID_BYTES }),
  );
}

export interface RosterEntry {
  readonly leafIndex: number;
  /** Identity public key, lower hex. */
  readonly identity: string;
  readonly signaturePublicKey: Uint8Array;
}

export function roster(state: ClientState): RosterEntry[] {
  const out: RosterEntry[] = [];
  state.ratchetTree.forEach((node, i) => {
    if (i % 2 !== 0 || node?.nodeType !== "leaf") return;
    const cred = node.leaf.credential;
    if (cred.credentialType !== "basic") return;
    out.push({
      leafIndex: i / 2,
      identity: toHex(cred.identity.subarray(0, 32)),
      signaturePublicKey: node.leaf.signaturePublicKey,
    });
  });
  return out;
}

export function ownLeafIndex(state: ClientState): number {
  return state.privatePath.leafIndex;
}

export interface StoredKeyPackage {
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
}
