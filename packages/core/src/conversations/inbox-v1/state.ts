import { ByteReader, ByteWriter, TruncatedInput } from "../../base/binary.js";
import { type BundleKey, type BundlePolicy, decodeBundleKey, encodeBundleKey } from "../../identity/bundle-keys.js";
import type { Installation } from "../../identity/installation.js";

/** Why a bundle key is no longer usable; kept so a late invite gets a precise typed error. */
export type RetiredReason = "expired" | "used" | "rotated";

/** A bundle key whose secret is gone (zeroized); only its reference remains. */
export interface RetiredBundleKey {
  readonly keyRef: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly reason: RetiredReason;
  readonly retiredAt: number;
}

/**
 * The state of this client's inbox: its installation key (the identity) and the secret halves of the
 * bundles it handed out. The inbox conversation is the only place these secrets live.
 */
export interface InboxV1State {
  readonly installation: Installation;
  readonly policy: BundlePolicy;
  /** Usable bundle keys, oldest first. */
  readonly bundleKeys: readonly BundleKey[];
  /** Most recent last, at most MAX_RETIRED. */
  readonly retired: readonly RetiredBundleKey[];
}

export const MAX_RETIRED = 64;
const VERSION = 1;

export function encodeInboxState(s: InboxV1State): Uint8Array {
  const w = new ByteWriter().u8(VERSION);
  w.raw(s.installation.publicKey).raw(s.installation.secretKey).uint(s.installation.createdAt);
  w.uint(s.policy.lifetimeMs).u8(s.policy.singleUse ? 1 : 0);
  w.u32(s.bundleKeys.length);
  for (const k of s.bundleKeys) w.bytes(encodeBundleKey(k));
  w.u32(s.retired.length);
  for (const r of s.retired) w.raw(r.keyRef).raw(r.publicKey).string(r.reason).uint(r.retiredAt);
  return w.finish();
}

export function decodeInboxState(bytes: Uint8Array): InboxV1State | undefined {
  try {
    const r = new ByteReader(bytes);
    if (r.u8() !== VERSION) return undefined;
    const installation = { publicKey: r.raw(32), secretKey: r.raw(32), createdAt: r.uint() };
    const policy = { lifetimeMs: r.uint(), singleUse: r.u8() === 1 };
    const bundleKeys: BundleKey[] = [];
    for (let n = r.count(4); n > 0; n--) {
      const k = decodeBundleKey(r.bytes());
      if (!k) return undefined;
      bundleKeys.push(k);
    }
    const retired: RetiredBundleKey[] = [];
    for (let n = r.count(48); n > 0; n--) {
      const keyRef = r.raw(4);
      const publicKey = r.raw(32);
      const reason = r.string();
      if (reason !== "expired" && reason !== "used" && reason !== "rotated") return undefined;
      retired.push({ keyRef, publicKey, reason, retiredAt: r.uint() });
    }
    return r.done ? { installation, policy, bundleKeys, retired } : undefined;
  } catch (e) {
    if (e instanceof TruncatedInput) return undefined;
    throw e;
  }
}

/** Moves keys to `retired` (secrets zeroized in the old objects' copies are simply dropped). */
export function retire(
  state: InboxV1State,
  keys: readonly BundleKey[],
  reason: RetiredReason,
  now: number,
): InboxV1State {
  if (keys.length === 0) return state;
  const gone = new Set(keys);
  const retired = [
    ...state.retired,
    ...keys.map((k) => ({ keyRef: k.keyRef, publicKey: k.publicKey, reason, retiredAt: now })),
  ].slice(-MAX_RETIRED);
  return { ...state, bundleKeys: state.bundleKeys.filter((k) => !gone.has(k)), retired };
}

/** Retires every expired key. */
export function pruneExpired(state: InboxV1State, now: number): InboxV1State {
  return retire(
    state,
    state.bundleKeys.filter((k) => now >= k.expiresAt),
    "expired",
    now,
  );
}
