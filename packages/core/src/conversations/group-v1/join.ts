/**
 * Joining from a Welcome, with a fallback for a ts-mls 1.6.4 defect.
 *
 * ts-mls's `validateRatchetTree` requires, for every unmerged leaf L listed at a parent P, that EVERY
 * non-blank node on L's whole direct path carries an identical unmerged list. RFC 9420 §7.9.2 only requires
 * that the non-blank nodes strictly between L and P list L. Ordinary histories break the stricter rule
 * (remove a member, add one into the freed leaf, then add another: the root's list differs from the lower
 * node's), and then every later joiner is refused. So when ts-mls refuses a Welcome for exactly that reason,
 * we run the same join steps ourselves (RFC 9420 §12.4.3.1) with the RFC's unmerged-leaf rule; every other
 * check (signatures, parent hashes, tree hash, confirmation tag, key uniqueness) is still done.
 */
import {
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  emptyPskIndex,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
  type RatchetTree,
  type Welcome,
} from "ts-mls";
import { extensionsSupportedByCapabilities } from "ts-mls/extension.js";
import {
  ratchetTreeFromExtension,
  verifyGroupInfoConfirmationTag,
  verifyGroupInfoSignature,
} from "ts-mls/groupInfo.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { deriveKeySchedule } from "ts-mls/keySchedule.js";
import { verifyLeafNodeSignature, verifyLeafNodeSignatureKeyPackage } from "ts-mls/leafNode.js";
import { verifyParentHashes } from "ts-mls/parentHash.js";
import { pathToRoot } from "ts-mls/pathSecrets.js";
import { mergePrivateKeyPaths, toPrivateKeyPath } from "ts-mls/privateKeyPath.js";
import { accumulatePskSecret } from "ts-mls/pskIndex.js";
import { findLeafIndex } from "ts-mls/ratchetTree.js";
import { createSecretTree } from "ts-mls/secretTree.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { directPath, leafWidth, toLeafIndex, toNodeIndex } from "ts-mls/treemath.js";
import { firstCommonAncestor } from "ts-mls/updatePath.js";
import { decryptGroupInfo, decryptGroupSecrets } from "ts-mls/welcome.js";
import { toHex } from "../../base/bytes.js";

const TS_MLS_UNMERGED_MESSAGE = "non-blank intermediate node must list leaf node in its unmerged_leaves";

export async function joinFromWelcome(
  welcome: Welcome,
  keyPackage: KeyPackage,
  privateKeys: PrivateKeyPackage,
  cs: CiphersuiteImpl,
  config: ClientConfig,
): Promise<ClientState> {
  try {
    return await joinGroup(welcome, keyPackage, privateKeys, emptyPskIndex, cs, undefined, undefined, config);
  } catch (e) {
    if (!(e instanceof Error) || e.message !== TS_MLS_UNMERGED_MESSAGE) throw e;
    return joinRfc(welcome, keyPackage, privateKeys, cs, config);
  }
}

function fail(reason: string): never {
  throw new Error(`welcome refused: ${reason}`);
}

async function joinRfc(
  welcome: Welcome,
  keyPackage: KeyPackage,
  privateKeys: PrivateKeyPackage,
  cs: CiphersuiteImpl,
  config: ClientConfig,
): Promise<ClientState> {
  const ref = await makeKeyPackageRef(keyPackage, cs.hash);
  const initKey = await cs.hpke.importPrivateKey(privateKeys.initPrivateKey);
  const secrets = (await decryptGroupSecrets(initKey, ref, welcome, cs.hpke)) ?? fail("group secrets");
  if (secrets.psks.length > 0) fail("pre-shared keys are not used by GroupV1");
  const [pskSecret] = await accumulatePskSecret([], emptyPskIndex, cs, new Uint8Array(cs.kdf.size));
  const gi = (await decryptGroupInfo(welcome, secrets.joinerSecret, pskSecret, cs)) ?? fail("group info");
  if (gi.groupContext.cipherSuite !== keyPackage.cipherSuite) fail("ciphersuite");
  if (!extensionsSupportedByCapabilities(gi.groupContext.extensions, keyPackage.leafNode.capabilities))
    fail("unsupported group context extension");
  const tree = ratchetTreeFromExtension(gi) ?? fail("no ratchet tree");
  const signer = tree[gi.signer * 2];
  if (signer?.nodeType !== "leaf") fail("signer leaf");
  if (!(await config.authService.validateCredential(signer.leaf.credential, signer.leaf.signaturePublicKey)))
    fail("signer credential");
  if (!(await verifyGroupInfoSignature(gi, signer.leaf.signaturePublicKey, cs.signature))) fail("group info signature");
  await validateTree(tree, gi.groupContext.groupId, gi.groupContext.treeHash, cs, config);
  const ownLeaf = findLeafIndex(tree, keyPackage.leafNode) ?? fail("own leaf not in tree");
  const leafPath = { leafIndex: ownLeaf, privateKeys: { [ownLeaf * 2]: privateKeys.hpkePrivateKey } };
  const privatePath =
    secrets.pathSecret === undefined
      ? leafPath
      : mergePrivateKeyPaths(
          await toPrivateKeyPath(
            await pathToRoot(
              tree,
              firstCommonAncestor(tree, ownLeaf, toLeafIndex(gi.signer)),
              secrets.pathSecret,
              cs.kdf,
            ),
            ownLeaf,
            cs,
          ),
          leafPath,
        );
  const [keySchedule, encryptionSecret] = await deriveKeySchedule(
    secrets.joinerSecret,
    pskSecret,
    gi.groupContext,
    cs.kdf,
  );
  if (!(await verifyGroupInfoConfirmationTag(gi, secrets.joinerSecret, pskSecret, cs))) fail("confirmation tag");
  const secretTree = await createSecretTree(leafWidth(tree.length), encryptionSecret, cs.kdf);
  encryptionSecret.fill(0);
  secrets.joinerSecret.fill(0);
  return {
    groupContext: gi.groupContext,
    ratchetTree: tree,
    privatePath,
    signaturePrivateKey: privateKeys.signaturePrivateKey,
    confirmationTag: gi.confirmationTag,
    unappliedProposals: {},
    keySchedule,
    secretTree,
    historicalReceiverData: new Map(),
    groupActiveState: { kind: "active" },
    clientConfig: config,
  };
}

/** RFC 9420 §12.4.3.1 / §7.9.2 tree validation. */
async function validateTree(
  tree: RatchetTree,
  groupId: Uint8Array,
  treeHash: Uint8Array,
  cs: CiphersuiteImpl,
  config: ClientConfig,
): Promise<void> {
  const hpkeKeys = new Set<string>();
  const signatureKeys = new Set<string>();
  const width = leafWidth(tree.length);
  for (const [i, node] of tree.entries()) {
    if (node === undefined) continue;
    const isLeafIndex = i % 2 === 0;
    if ((node.nodeType === "leaf") !== isLeafIndex) fail("tree shape");
    if (node.nodeType === "leaf") {
      const leaf = node.leaf;
      const hpke = toHex(leaf.hpkePublicKey);
      const sig = toHex(leaf.signaturePublicKey);
      if (hpkeKeys.has(hpke) || signatureKeys.has(sig)) fail("duplicate keys");
      hpkeKeys.add(hpke);
      signatureKeys.add(sig);
      const ok =
        leaf.leafNodeSource === "key_package"
          ? await verifyLeafNodeSignatureKeyPackage(leaf, cs.signature)
          : await verifyLeafNodeSignature(leaf, groupId, i / 2, cs.signature);
      if (!ok) fail("leaf signature");
      if (!(await config.authService.validateCredential(leaf.credential, leaf.signaturePublicKey))) fail("credential");
      continue;
    }
    const hpke = toHex(node.parent.hpkePublicKey);
    if (hpkeKeys.has(hpke)) fail("duplicate keys");
    hpkeKeys.add(hpke);
    for (const leafIndex of node.parent.unmergedLeaves) {
      if (tree[leafIndex * 2]?.nodeType !== "leaf") fail("unmerged leaf is blank");
      const path = directPath(toNodeIndex(leafIndex * 2), width);
      const at = path.indexOf(toNodeIndex(i));
      if (at < 0) fail("unmerged leaf is not a descendant");
      for (const between of path.slice(0, at)) {
        const b = tree[between];
        if (b?.nodeType === "parent" && !b.parent.unmergedLeaves.includes(leafIndex))
          fail("intermediate node does not list the unmerged leaf");
      }
    }
  }
  if (!(await verifyParentHashes(tree, cs.hash))) fail("parent hashes");
  const root = await treeHashRoot(tree, cs.hash);
  if (toHex(root) !== toHex(treeHash)) fail("tree hash");
}
