/**
 * PrivateV1's steps beyond `open`: starting a conversation by an invite to the peer's inbox, sending,
 * periodic work (resends, acknowledgements, give-up, reset) and carrying control payloads for other types.
 * Each step stages the conversation's next state through the step context and returns neutral effects.
 */
import { toHex, utf8 } from "../../base/bytes.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import { encodeEncryptedPayload } from "../../framework/envelope.js";
import { LifecycleError } from "../../framework/errors.js";
import type {
  Effect,
  Outgoing,
  StartRequest,
  StepContext,
  StepResult,
  TypeLifecycle,
} from "../../framework/lifecycle.js";
import type { ConversationRef } from "../../framework/runtime.js";
import { parseReach } from "../../identity/reach.js";
import type { PrivateV1FrameBody } from "../../wire/hand/private-v1-frame.js";
import { create, InboxV1FrameSchema, toBinary } from "../../wire/index.js";
import { privateV1Due } from "./due.js";
import { PRIVATE_V1_DISCRIMINATOR } from "./invite.js";
import { effectsOf, openedEffects } from "./outcome.js";
import { PRIVATE_V1_NAMESPACES, privateV1Records } from "./records.js";
import {
  type OutgoingPayload,
  PRIVATE_V1,
  type PrivateV1Engine,
  PrivateV1Error,
  type PrivateV1Opened,
} from "./session.js";
import type { PrivateV1State } from "./state.js";

/**
 * Content up to this size travels inside the invite (0-RTT); larger content follows on the conversation's
 * topic, and the invite carries a placeholder frame. Keeps the invite within one Noise message (65,535 bytes).
 */
export const INVITE_INLINE_CONTENT_BYTES = 48 * 1024;

type Ctx = StepContext<PrivateV1State>;

function outgoingOf(o: readonly OutgoingPayload[]): Outgoing[] {
  return o.map((p) => ({ hint: p.conversationHint, contentTopic: p.contentTopic, payload: p.payload }));
}

function refOf(state: PrivateV1State): ConversationRef {
  return { id: state.localId, type: PRIVATE_V1, contentTopic: state.contentTopic };
}

export function privateV1Lifecycle(
  engineFor: (crypto: CryptoProvider) => PrivateV1Engine,
  identity: X25519KeyPair | undefined,
): TypeLifecycle<PrivateV1State, PrivateV1Opened> {
  function sendFrame(ctx: Ctx, state: PrivateV1State, body: PrivateV1FrameBody) {
    try {
      return engineFor(ctx.crypto).send(state, body, ctx.now);
    } catch (e) {
      if (e instanceof PrivateV1Error) throw new LifecycleError("content-too-large", e.message);
      throw e;
    }
  }

  async function stateOf(ctx: Ctx, ref: ConversationRef): Promise<PrivateV1State> {
    const state = await ctx.states.get(ref.id);
    if (!state) throw new LifecycleError("state-unavailable", "conversation state unreadable");
    return state;
  }

  async function start(
    ctx: Ctx,
    request: StartRequest,
  ): Promise<StepResult<{ conversationId: string; messageId: string }>> {
    if (request.kind !== "pairwise" || !identity)
      throw new LifecycleError("unsupported", "PrivateV1 starts pairwise only");
    // An intro bundle or an account address: either names the device and the bundle key the handshake is to.
    const parsed = parseReach(ctx.crypto, request.bundle);
    if (!parsed.ok) throw parsed.error;
    const bundle = parsed.reach;
    const engine = engineFor(ctx.crypto);
    const now = ctx.now;
    const content = request.content;
    const inline = content.length <= INVITE_INLINE_CONTENT_BYTES;
    let first: ReturnType<PrivateV1Engine["send"]> | undefined;
    const contact = ctx.firstContact;
    if (!contact) throw new LifecycleError("unsupported", "no inbox type to reach the peer through");
    const initiated = contact.initiate(ctx.crypto, {
      installation: identity,
      bundle,
      frame: (secrets) => {
        const s0 = engine.initiator(secrets.sk, bundle.ephemeralKey, identity.publicKey, bundle.installationKey, now);
        first = engine.send(
          s0,
          inline ? { case: "content", value: content } : { case: "placeholder", value: { counter: 0 } },
          now,
        );
        const invite = { discriminator: PRIVATE_V1_DISCRIMINATOR, initialMessage: first.outgoing[0]!.payload };
        return toBinary(
          InboxV1FrameSchema,
          create(InboxV1FrameSchema, { frameType: { case: "invitePrivateV1", value: invite } }),
        );
      },
    });
    const sent = first!;
    // The envelope is hinted by the invite's own id, which only the peer can recompute (InboxV1 version 2).
    const peerInbox = initiated.inviteId;
    const peerTopic = contact.topic(ctx.crypto, bundle.installationKey);
    let state = engine.withInvite(sent.state, {
      payload: encodeEncryptedPayload(initiated.payload),
      conversationHint: peerInbox,
      contentTopic: peerTopic,
      sdsId: sent.outgoing[0]!.sdsId!,
    });
    const outgoing: Outgoing[] = [
      { hint: peerInbox, contentTopic: peerTopic, payload: initiated.payload },
      ...outgoingOf(sent.outgoing.slice(1)),
    ];
    let messageId = sent.messageId;
    let timestamp = sent.timestamp;
    if (!inline) {
      const r = sendFrame(ctx, state, { case: "content", value: content });
      state = r.state;
      messageId = r.messageId;
      timestamp = r.timestamp;
      outgoing.push(...outgoingOf(r.outgoing));
    }
    const ref = refOf(state);
    ctx.states.create(ref, state);
    const conversationId = ref.id;
    return {
      value: { conversationId, messageId },
      effects: [
        { kind: "conversation", ref, peer: toHex(bundle.installationKey), initiatedBy: "me" },
        { kind: "watch", ref },
        { kind: "sent", conversationId, messageId, timestamp, content },
        { kind: "publish", conversationId, outgoing, markSent: [messageId] },
      ],
    };
  }

  async function send(ctx: Ctx, ref: ConversationRef, content: Uint8Array): Promise<StepResult<string>> {
    const r = sendFrame(ctx, await stateOf(ctx, ref), { case: "content", value: content });
    ctx.states.put(ref, r.state);
    const conversationId = ref.id;
    const effects: Effect[] = [
      { kind: "sent", conversationId, messageId: r.messageId, timestamp: r.timestamp, content },
    ];
    // Nothing to publish while a new session cannot send yet (after a reset): it stays queued until sealed.
    if (r.outgoing.length > 0)
      effects.push({ kind: "publish", conversationId, outgoing: outgoingOf(r.outgoing), markSent: [r.messageId] });
    return { value: r.messageId, effects };
  }

  async function wake(ctx: Ctx, ref: ConversationRef): Promise<readonly Effect[] | undefined> {
    const state = await ctx.states.get(ref.id);
    if (!state) return undefined;
    const r = engineFor(ctx.crypto).sweep(state, ctx.now);
    const e = r.effects;
    // Idle conversations (the common case) are not written: the same sub-states mean nothing changed.
    if (
      r.outgoing.length === 0 &&
      e.deliveryUpdates.length === 0 &&
      e.frames.length === 0 &&
      e.lost.length === 0 &&
      r.state.reassembly === state.reassembly &&
      r.state.sds === state.sds &&
      r.state.ratchet === state.ratchet &&
      r.state.pendingReset === state.pendingReset &&
      r.state.outbound === state.outbound
    )
      return undefined;
    ctx.states.put(ref, r.state);
    const effects = effectsOf(ref, toHex(state.peerKey), e);
    if (r.outgoing.length > 0) {
      const resent = new Set(r.outgoing.map((o) => o.sdsId).filter((x) => x !== undefined));
      const frames = r.state.outbound.filter((o) => o.segments.some((s) => resent.has(s))).map((o) => o.messageId);
      effects.push({ kind: "publish", conversationId: ref.id, outgoing: outgoingOf(r.outgoing), markSent: frames });
    }
    return effects;
  }

  async function carry(ctx: Ctx, ref: ConversationRef, payload: Uint8Array): Promise<StepResult<string> | undefined> {
    const state = await ctx.states.get(ref.id);
    if (!state) return undefined;
    const r = sendFrame(ctx, state, { case: "groupControl", value: payload });
    ctx.states.put(ref, r.state);
    return {
      value: r.messageId,
      effects: [{ kind: "publish", conversationId: ref.id, outgoing: outgoingOf(r.outgoing) }],
    };
  }

  return {
    namespaces: PRIVATE_V1_NAMESPACES,
    records: privateV1Records(),
    starts: ["pairwise"],
    carriesControl: true,
    start,
    send,
    opened: (frame, state, ref, started) => openedEffects(frame, state, ref, started),
    wake,
    due: (state, ctx) => privateV1Due(engineFor(ctx.crypto), state),
    // The responder's id: both ends derive it from the handshake's secret, and name it alike.
    binding: (state) => utf8(state.role === "initiator" ? state.remoteId : state.localId),
    introKey: (state) => state.bundleKey,
    carry,
  };
}
