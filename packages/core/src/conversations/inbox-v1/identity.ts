/**
 * The installation's own inbox, as the Client needs it without knowing the type: where invites reach it
 * (its ref), its first state, the installation its state holds, and the intro bundles it hands out. States
 * travel as their stored bytes, so the Client never holds an inbox state.
 */
import type { CryptoProvider } from "../../crypto/provider.js";
import type { ConversationRef } from "../../framework/runtime.js";
import type { BundlePolicy } from "../../identity/bundle-keys.js";
import type { Installation } from "../../identity/installation.js";
import { INBOX_V1, inboxContentTopic, inboxConversationId } from "./address.js";
import { currentBundle, newInboxState, rotateBundles } from "./runtime.js";
import { decodeInboxState, encodeInboxState } from "./state.js";

export interface IdentityInbox {
  ref(crypto: CryptoProvider, installationKey: Uint8Array): ConversationRef;
  create(installation: Installation, policy: BundlePolicy): Uint8Array;
  /** The installation a stored inbox state holds; undefined for bytes that are not one. */
  installation(state: Uint8Array): Installation | undefined;
  /** The bundle to share (reused until half its lifetime); `state`: the next state when it changed. */
  bundle(
    crypto: CryptoProvider,
    state: Uint8Array,
    now: number,
    fresh: boolean,
  ): { state?: Uint8Array; bundle: string };
  /** Retires every bundle handed out and returns a new one with the next state. */
  rotate(crypto: CryptoProvider, state: Uint8Array, now: number): { state: Uint8Array; bundle: string };
}

function read(bytes: Uint8Array) {
  const state = decodeInboxState(bytes);
  if (!state) throw new Error("inbox state unreadable");
  return state;
}

export const identityInbox: IdentityInbox = {
  ref: (crypto, key) => ({
    id: inboxConversationId(crypto, key),
    type: INBOX_V1,
    contentTopic: inboxContentTopic(crypto, key),
  }),
  create: (installation, policy) => encodeInboxState(newInboxState(installation, policy)),
  installation: (bytes) => decodeInboxState(bytes)?.installation,
  bundle(crypto, bytes, now, fresh) {
    const state = read(bytes);
    const r = currentBundle(crypto, state, now, fresh);
    return r.state === state ? { bundle: r.key.bundle } : { state: encodeInboxState(r.state), bundle: r.key.bundle };
  },
  rotate(crypto, bytes, now) {
    const r = rotateBundles(crypto, read(bytes), now);
    return { state: encodeInboxState(r.state), bundle: r.key.bundle };
  },
};
