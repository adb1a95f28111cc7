/**
 * The thin layer over ts-mls: ciphersuite, client configuration (with the credential-binding authentication
 * service), state (de)serialization, rosters and epoch ids. Everything MLS-specific the engine needs is here.
 */
import {
  type CiphersuiteName,
  type ClientConfig,
  type ClientState,
  type Credential,
  ciphersuites,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type KeyPackage,
  nobleCryptoProvider,
  type PrivateKeyPackage,
} from "ts-mls";
import { decodeGroupStateWithoutTree, encodeGroupStateWithoutTree } from "ts-mls/clientState.js";
import { decodeRatchetTree, encodeRatchetTree } from "ts-mls/ratchetTree.js";
import { concatBytes, toHex, u64be } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import { METADATA_EXTENSION_TYPE } from "./metadata.js";
import type { MemberCredential } from "./profile.js";

export const DEFAULT_SUITE: CiphersuiteName = "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";
export const EPOCH_ID_BYTES = 16;

/**
 * ts-mls's noble provider is synchronous pure JS; measured faster here than its WebCrypto provider, whose
 * every small operation is an async round trip (joins ~1.7x, message decryption ~3x in a 50-member group).
 */
export async function loadSuite(name: CiphersuiteName, provider: "noble" | "webcrypto" = "noble") {
  return getCiphersuiteImpl(getCiphersuiteFromName(name), provider === "noble" ? nobleCryptoProvider : undefined);
}

export function suiteId(name: CiphersuiteName): number {
  return ciphersuites[name];
}

export function suiteName(id: number): CiphersuiteName | undefined {
  for (const [name, value] of Object.entries(ciphersuites)) if (value === id) return name as CiphersuiteName;
  return undefined;
}

/** Capabilities of our key packages: every member must understand the metadata extension. */
export function capabilities(extra: readonly number[] = []) {
  const caps = defaultCapabilities();
  caps.extensions.push(METADATA_EXTENSION_TYPE, ...extra);
  return caps;
}

export function clientConfig(crypto: CryptoProvider, retainEpochs: number, credential: MemberCredential): ClientConfig {
  // The same credentials are checked again at every join and commit; a verified binding never changes.
  const verified = new Map<string, boolean>();
  const scheme = credential;
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
        if (credential.credentialType !== "basic") return false;
        const key = toHex(credential.identity) + toHex(signaturePublicKey);
        let ok = verified.get(key);
        if (ok === undefined) {
          ok = scheme.verify(crypto, credential.identity, signaturePublicKey) !== undefined;
          if (verified.size >= 4096) verified.delete(verified.keys().next().value!);
          verified.set(key, ok);
        }
        return ok;
      },
    },
  };
}

/**
 * A state is stored in two records: the ratchet tree (written once, when the epoch is created: only commits
 * change it) and everything else (rewritten whenever a message advances the secret tree). Halves the bytes
 * written per received message in large groups.
 */
export function encodeState(state: ClientState): Uint8Array {
  return encodeGroupStateWithoutTree(state);
}

export function encodeTree(state: ClientState): Uint8Array {
  return encodeRatchetTree(state.ratchetTree);
}

export function decodeState(bytes: Uint8Array, treeBytes: Uint8Array, config: ClientConfig): ClientState | undefined {
  try {
    const tree = decodeRatchetTree(treeBytes, 0);
    if (!tree || tree[1] !== treeBytes.length) return undefined;
    const decoded = decodeGroupStateWithoutTree(tree[0])(bytes, 0);
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
