/**
 * Key packages: our own (made on request, their private keys stored in namespace `group-v1-kp` until the join
 * that used them is final) and others' (fully checked before they go into a commit).
 */
import {
  decodeMlsMessage,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
} from "ts-mls";
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { fromHex, toHex } from "../../base/bytes.js";
import type { TransactionView } from "../../framework/store.js";
import { GroupError } from "./errors.js";
import { capabilities } from "./mls.js";
import type { KeyPackageJoin } from "./records.js";
import { type EngineContext, MLS_VERSION } from "./session.js";

/**
 * A fresh key package (RFC 9420 MLSMessage bytes) whose credential binds a new MLS signature key to our
 * identity. Its private keys are stored in the transaction until a Welcome uses them.
 */
export async function createKeyPackage(ctx: EngineContext, tx: TransactionView): Promise<Uint8Array> {
  const sig = await ctx.suite.signature.keygen();
  const credential = {
    credentialType: "basic" as const,
    identity: ctx.profile.credential.bind(ctx.crypto, ctx.options.identity, sig.publicKey),
  };
  // No expiry: ts-mls checks lifetimes against the wall clock (not our injected one), and freshness comes
  // from the protocol instead: a key package is made on request and travels over an authenticated channel.
  const kp = await generateKeyPackageWithKey(
    credential,
    capabilities(ctx.profile.guard?.extensionTypes),
    defaultLifetime,
    [],
    sig,
    ctx.suite,
  );
  const ref = toHex(await makeKeyPackageRef(kp.publicPackage, ctx.suite.hash));
  const record = {
    kp: toHex(encodeKeyPackage(kp.publicPackage)),
    init: toHex(kp.privatePackage.initPrivateKey),
    hpke: toHex(kp.privatePackage.hpkePrivateKey),
    sig: toHex(kp.privatePackage.signaturePrivateKey),
  };
  tx.put(ctx.ns.kp, ref, new TextEncoder().encode(JSON.stringify(record)));
  return encodeMlsMessage({ version: MLS_VERSION, wireformat: "mls_key_package", keyPackage: kp.publicPackage });
}

/** Decodes and fully checks a key package: suite, signature, credential binding (and its identity). */
export async function checkKeyPackage(
  ctx: EngineContext,
  bytes: Uint8Array,
  expectedIdentity?: string,
): Promise<KeyPackage> {
  let kp: KeyPackage | undefined;
  try {
    const m = decodeMlsMessage(bytes, 0);
    if (m && m[1] === bytes.length && m[0].wireformat === "mls_key_package") kp = m[0].keyPackage;
  } catch {
    kp = undefined;
  }
  if (!kp) throw new GroupError("bad-key-package", "not an MLS key package");
  if (kp.cipherSuite !== ctx.suiteName) throw new GroupError("bad-key-package", "key package uses another suite");
  if (!(await verifyKeyPackage(kp, ctx.suite.signature)))
    throw new GroupError("bad-key-package", "key package signature is invalid");
  const cred = kp.leafNode.credential;
  const identity =
    cred.credentialType === "basic"
      ? ctx.profile.credential.verify(ctx.crypto, cred.identity, kp.leafNode.signaturePublicKey)
      : undefined;
  if (!identity) throw new GroupError("bad-credential", "key package credential does not verify");
  if (expectedIdentity !== undefined && toHex(identity) !== expectedIdentity)
    throw new GroupError("bad-credential", "key package belongs to another identity");
  return kp;
}

export function identityOfKeyPackage(kp: KeyPackage): string {
  const cred = kp.leafNode.credential;
  return cred.credentialType === "basic" ? toHex(cred.identity.subarray(0, 32)) : "";
}

export function decodeOwnKeyPackage(value: Uint8Array) {
  const r = JSON.parse(new TextDecoder().decode(value)) as Record<string, string>;
  const kp = decodeKeyPackage(fromHex(r.kp!)!, 0);
  if (!kp) throw new GroupError("bad-state", "stored key package is undecodable");
  return {
    publicPackage: kp[0],
    privatePackage: {
      initPrivateKey: fromHex(r.init!)!,
      hpkePrivateKey: fromHex(r.hpke!)!,
      signaturePrivateKey: fromHex(r.sig!)!,
    },
  };
}

/** Takes one of our key packages out of the store (the creator's own leaf of a new group). */
export async function takeOwnKeyPackage(ctx: EngineContext, tx: TransactionView, mlsBytes: Uint8Array) {
  const m = decodeMlsMessage(mlsBytes, 0);
  if (m?.[0].wireformat !== "mls_key_package") throw new GroupError("bad-state", "own key package");
  const ref = toHex(await makeKeyPackageRef(m[0].keyPackage, ctx.suite.hash));
  const value = await tx.get(ctx.ns.kp, ref);
  tx.delete(ctx.ns.kp, ref);
  return decodeOwnKeyPackage(value!);
}

/**
 * Joins at an epoch below `floor` are final and forgotten; a key package is released (to be deleted) once no
 * join with it is left, since re-sent Welcomes (fork resolution) reuse one key package at several epochs.
 */
export function releaseFinalJoins(
  joins: readonly KeyPackageJoin[],
  floor: bigint,
): { kept: KeyPackageJoin[]; released: string[] } {
  const kept = joins.filter((j) => j.epoch >= floor);
  const released = new Set(
    joins.filter((j) => j.epoch < floor && !kept.some((k) => k.ref === j.ref)).map((j) => j.ref),
  );
  return { kept, released: [...released] };
}
