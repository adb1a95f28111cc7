import { toHex } from "../../base/bytes.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import type { AcceptResult, ConversationTypeRuntime, OpenContext, OpenResult } from "../../framework/runtime.js";
import type { EncryptedPayload, InvitePrivateV1 } from "../../wire/index.js";
import { privateV1Ids } from "./ids.js";
import { isPrivateV1Discriminator } from "./invite.js";
import { privateV1Lifecycle } from "./lifecycle.js";
import {
  PrivateV1Engine as Engine,
  PRIVATE_V1,
  type PrivateV1Engine,
  type PrivateV1Opened,
  type PrivateV1Options,
} from "./session.js";
import { privateV1Spec } from "./spec.js";
import { decodePrivateState, encodePrivateState, type PrivateV1State } from "./state.js";

/** What InboxV1 hands over with an `invitePrivateV1` arm (declared here too; the shapes agree structurally). */
interface InviteContext {
  readonly invite: unknown;
  readonly sk: Uint8Array;
  readonly initiatorStatic: Uint8Array;
  readonly responderStatic: Uint8Array;
  readonly bundleKey: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
}

function isInviteContext(x: unknown): x is InviteContext {
  const o = x as InviteContext;
  return (
    typeof o === "object" &&
    o !== null &&
    o.sk instanceof Uint8Array &&
    o.sk.length === 32 &&
    o.initiatorStatic instanceof Uint8Array &&
    o.responderStatic instanceof Uint8Array &&
    typeof o.bundleKey === "object" &&
    typeof o.invite === "object" &&
    o.invite !== null
  );
}

export type PrivateV1Runtime = ConversationTypeRuntime<PrivateV1State, PrivateV1Opened> & {
  /** The engine for a crypto provider (cached): what a client uses to send and sweep. */
  engine(crypto: CryptoProvider): PrivateV1Engine;
};

/** Builds the PrivateV1 runtime for one configuration (max_skip, skipped-key expiry, SDS timers). */
export function createPrivateV1Runtime(options: PrivateV1Options = {}): PrivateV1Runtime {
  const engines = new WeakMap<CryptoProvider, PrivateV1Engine>();
  const engine = (crypto: CryptoProvider): PrivateV1Engine => {
    let e = engines.get(crypto);
    if (!e) {
      e = new Engine(crypto, options);
      engines.set(crypto, e);
    }
    return e;
  };

  function open(
    state: PrivateV1State,
    payload: EncryptedPayload,
    ctx: OpenContext,
  ): OpenResult<PrivateV1State, PrivateV1Opened> {
    const r = engine(ctx.crypto).open(state, payload, ctx.now);
    if (r.ok) return { ok: true, frame: r.opened, nextState: r.state };
    return { ok: false, reason: r.reason, ...(r.detail !== undefined && { detail: r.detail }) };
  }

  function accept(arm: string, input: unknown, ctx: OpenContext): AcceptResult<PrivateV1State, PrivateV1Opened> {
    if (arm !== "invitePrivateV1" || !isInviteContext(input)) return { ok: false, reason: "invite-malformed" };
    const invite = input.invite as InvitePrivateV1;
    // Another type's invite (or a later version of ours) is refused, never read as ours.
    if (!isPrivateV1Discriminator(invite.discriminator)) return { ok: false, reason: "invite-unknown-discriminator" };
    const initial = invite.initialMessage;
    if (initial?.encryption.case !== "doubleratchet") return { ok: false, reason: "invite-malformed" };
    const ids = privateV1Ids(ctx.crypto, input.sk, "responder");
    // A replayed invite derives the same ids: refuse it before doing any work.
    if (ctx.isKnownConversation(ids.local)) return { ok: false, reason: "conversation-exists" };
    const e = engine(ctx.crypto);
    const state0 = e.responder(input.sk, input.bundleKey, input.responderStatic, input.initiatorStatic, ctx.now);
    const r = e.open(state0, initial, ctx.now);
    if (!r.ok) return { ok: false, reason: "invite-initial-refused" };
    return {
      ok: true,
      conversation: { id: ids.local, type: PRIVATE_V1, contentTopic: r.state.contentTopic },
      state: r.state,
      frame: r.opened,
    };
  }

  return {
    spec: privateV1Spec,
    open,
    encodeState: encodePrivateState,
    decodeState: decodePrivateState,
    inbox: { arms: ["invitePrivateV1"], accept },
    lifecycle: privateV1Lifecycle(engine, options.identity),
    engine,
  };
}

/** The default configuration (max_skip 1000, skipped keys expire after 7 days, SDS defaults). */
export const privateV1: PrivateV1Runtime = createPrivateV1Runtime();

export function peerOf(state: PrivateV1State): string {
  return toHex(state.peerKey);
}
