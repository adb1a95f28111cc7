/**
 * What SDS events mean for a conversation: delivered segments are reassembled into frames, acknowledgements
 * and give-ups move our outgoing frames along (acked, possibly acked, lost), missing and lost peer messages
 * are reported.
 */
import type { SdsEvent } from "../../primitives/sds/index.js";
import { decodeFrame, frameId, type PrivateV1FrameBody } from "../../wire/hand/private-v1-frame.js";
import type { DeliveryUpdate, PrivateV1Effects, ReceivedFrame } from "./results.js";
import type { PrivateV1Engine } from "./session.js";
import type { PrivateV1State } from "./state.js";

/** Frames given up that are remembered for a late acknowledgement. */
const MAX_LOST_FRAMES = 256;

/** `expired`: incomplete frames the caller's expiry dropped, reported with what the events drop. */
export function applyEvents(
  engine: PrivateV1Engine,
  state: PrivateV1State,
  events: readonly SdsEvent[],
  now: number,
  expired = 0,
): { state: PrivateV1State; effects: PrivateV1Effects } {
  let reassembly = state.reassembly;
  let outbound = state.outbound;
  let lostFrames = state.lostFrames;
  let invite = state.invite;
  const frames: ReceivedFrame[] = [];
  const updates: DeliveryUpdate[] = [];
  const missing: string[] = [];
  const lost: string[] = [];
  const dropped: string[] = new Array(expired).fill("segment-expired");
  for (const e of events) {
    switch (e.type) {
      case "delivered": {
        const r = engine.reassembler.push(reassembly, state.remoteId, e.content, now);
        reassembly = r.state;
        if (r.status === "rejected") dropped.push(`segment-${r.error?.code ?? "rejected"}`);
        // Incomplete frames given up to keep the conversation's bound (bytes, count) or past their time.
        for (let i = r.expired ?? 0; i > 0; i--) dropped.push("segment-expired");
        for (let i = r.evicted ?? 0; i > 0; i--) dropped.push("segment-evicted");
        if (r.status !== "complete" || !r.payload) break;
        const frame = decodeFrame(r.payload);
        if (!frame) dropped.push("frame-decode");
        else if (frame.conversationId !== state.remoteId) dropped.push("frame-conversation-mismatch");
        else if (frame.frameType.case === undefined)
          dropped.push(frame.$unknown?.length ? "frame-unsupported" : "frame-empty");
        else {
          const body: PrivateV1FrameBody =
            frame.frameType.case === "placeholder"
              ? { case: "placeholder", value: { counter: frame.frameType.value.counter } }
              : { case: frame.frameType.case, value: frame.frameType.value };
          frames.push({ messageId: frameId(engine.crypto, r.payload), timestamp: Number(frame.timestamp), body });
        }
        break;
      }
      case "acked":
      case "possibly-acked":
      case "outgoing-lost": {
        // The invite carried this message: once it is acknowledged or given up, the invite is not resent.
        if (invite && e.messageId === invite.sdsId && e.type !== "possibly-acked") invite = undefined;
        const at = outbound.findIndex((o) => o.segments.includes(e.messageId));
        if (at < 0) {
          // A late acknowledgement of a frame given up earlier: acked after all, once all its segments are.
          const gone = e.type === "acked" ? lostFrames.findIndex((o) => o.segments.includes(e.messageId)) : -1;
          if (gone < 0) break;
          const o = lostFrames[gone]!;
          const acked = o.acked.includes(e.messageId) ? o.acked : [...o.acked, e.messageId];
          if (o.segments.every((s) => acked.includes(s))) {
            updates.push({ messageId: o.messageId, state: "acked" });
            lostFrames = lostFrames.filter((_, i) => i !== gone);
          } else lostFrames = lostFrames.map((x, i) => (i === gone ? { ...o, acked } : x));
          break;
        }
        const o = outbound[at]!;
        if (e.type === "outgoing-lost") {
          updates.push({ messageId: o.messageId, state: "lost" });
          outbound = outbound.filter((_, i) => i !== at);
          // Remembered without its ciphertexts (they are not resent): a late acknowledgement still counts.
          lostFrames = [...lostFrames, { ...o, payloads: [] }].slice(-MAX_LOST_FRAMES);
          break;
        }
        const acked = e.type === "acked" && !o.acked.includes(e.messageId) ? [...o.acked, e.messageId] : o.acked;
        const possiblyAcked =
          e.type === "possibly-acked" && !o.possiblyAcked.includes(e.messageId)
            ? [...o.possiblyAcked, e.messageId]
            : o.possiblyAcked;
        const all = (ids: readonly string[]) => o.segments.every((s) => ids.includes(s));
        if (all(acked)) {
          updates.push({ messageId: o.messageId, state: "acked" });
          outbound = outbound.filter((_, i) => i !== at);
        } else {
          const wasPossibly = all([...o.acked, ...o.possiblyAcked]);
          if (!wasPossibly && all([...acked, ...possiblyAcked]))
            updates.push({ messageId: o.messageId, state: "possibly-acked" });
          outbound = outbound.map((x, i) => (i === at ? { ...o, acked, possiblyAcked } : x));
        }
        break;
      }
      case "missing":
        for (const m of e.messages) missing.push(m.messageId);
        break;
      case "incoming-lost":
        lost.push(...e.messageIds);
        break;
      default:
        break;
    }
  }
  return {
    state: { ...state, reassembly, outbound, lostFrames, invite },
    effects: { frames, deliveryUpdates: updates, missing, lost, dropped },
  };
}
