/**
 * What one account's devices tell each other over AccountSelfV1 (docs/ACCOUNTS.md §3): the conversations a
 * device is in, read markers, the account's display name, and a linked device's history slice. The bytes are
 * the `SelfPayload` protobuf (proto/logoschat/account/self.proto), format version 1. Decoding is total: bytes
 * that are not one payload of a known kind within its bounds are refused with an AccountError code.
 */
import { create, fromBinary, SelfPayloadSchema, toBinary } from "../../wire/index.js";
import { AccountError, type Parsed, refuse } from "./errors.js";

export const SELF_PAYLOAD_VERSION = 1;
/** Entries per payload: a longer list travels in several (each far below a group message's size bound). */
export const SELF_PART_ENTRIES = 100;
const MAX_ID = 256;
const MAX_NAME = 256;

export interface SelfConversation {
  readonly id: string;
  readonly type: string;
  readonly name: string;
}

export interface ReadMarker {
  readonly conversationId: string;
  readonly messageId: string;
  readonly timestamp: number;
}

export interface SyncedMessage {
  readonly messageId: string;
  /** Installation key of the sender, lower hex; "" when the sending device sent it. */
  readonly sender: string;
  readonly timestamp: number;
  readonly content: Uint8Array;
}

export type SelfPayload =
  | { readonly kind: "conversations"; readonly conversations: readonly SelfConversation[] }
  | { readonly kind: "read-markers"; readonly markers: readonly ReadMarker[] }
  | { readonly kind: "display-name"; readonly name: string; readonly setAt: number }
  | {
      readonly kind: "history";
      readonly to: string;
      readonly conversationId: string;
      readonly messages: readonly SyncedMessage[];
    };

/** Orders markers: a marker only ever moves to a later (timestamp, message id). */
export function markerAfter(a: ReadMarker, b: ReadMarker | undefined): boolean {
  if (!b) return true;
  return a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.messageId > b.messageId);
}

export function encodeSelfPayload(p: SelfPayload): Uint8Array {
  const ms = (n: number) => BigInt(Math.max(0, Math.floor(n)));
  let body: ReturnType<typeof create<typeof SelfPayloadSchema>>["body"];
  switch (p.kind) {
    case "conversations":
      body = {
        case: "conversations",
        value: {
          $typeName: "logoschat.account.SelfConversationList",
          conversations: p.conversations.map((c) => ({ $typeName: "logoschat.account.SelfConversation", ...c })),
        },
      };
      break;
    case "read-markers":
      body = {
        case: "readMarkers",
        value: {
          $typeName: "logoschat.account.SelfReadMarkers",
          markers: p.markers.map((m) => ({
            $typeName: "logoschat.account.SelfReadMarker",
            conversationId: m.conversationId,
            messageId: m.messageId,
            timestamp: ms(m.timestamp),
          })),
        },
      };
      break;
    case "display-name":
      body = {
        case: "displayName",
        value: { $typeName: "logoschat.account.SelfDisplayName", name: p.name, setAt: ms(p.setAt) },
      };
      break;
    case "history":
      body = {
        case: "history",
        value: {
          $typeName: "logoschat.account.SelfHistorySlice",
          to: p.to,
          conversationId: p.conversationId,
          messages: p.messages.map((m) => ({
            $typeName: "logoschat.account.SelfHistoryMessage",
            messageId: m.messageId,
            sender: m.sender,
            timestamp: ms(m.timestamp),
            content: m.content,
          })),
        },
      };
      break;
  }
  return toBinary(SelfPayloadSchema, create(SelfPayloadSchema, { version: SELF_PAYLOAD_VERSION, body }));
}

const bad = (what: string): Parsed<never> => refuse("self-payload-malformed", what);
const okId = (s: string) => s.length > 0 && s.length <= MAX_ID;
const okTime = (t: bigint) => t <= BigInt(Number.MAX_SAFE_INTEGER);

/** Total: the payload, or `self-payload-malformed` / `self-payload-unknown-version`. */
export function decodeSelfPayload(bytes: Uint8Array): Parsed<SelfPayload> {
  let m: ReturnType<typeof fromBinary<typeof SelfPayloadSchema>>;
  try {
    m = fromBinary(SelfPayloadSchema, bytes);
  } catch {
    return bad("not a SelfPayload");
  }
  if (m.version !== SELF_PAYLOAD_VERSION)
    return { ok: false, error: new AccountError("self-payload-unknown-version", `format ${m.version}`) };
  const b = m.body;
  switch (b.case) {
    case "conversations": {
      const list = b.value.conversations;
      if (list.length > SELF_PART_ENTRIES) return bad("too many conversations in one part");
      if (!list.every((c) => okId(c.id) && okId(c.type) && c.name.length <= MAX_NAME)) return bad("a bad entry");
      return {
        ok: true,
        value: { kind: "conversations", conversations: list.map(({ id, type, name }) => ({ id, type, name })) },
      };
    }
    case "readMarkers": {
      const list = b.value.markers;
      if (list.length > SELF_PART_ENTRIES) return bad("too many markers in one part");
      if (!list.every((r) => okId(r.conversationId) && okId(r.messageId) && okTime(r.timestamp)))
        return bad("a bad marker");
      const markers = list.map((r) => ({
        conversationId: r.conversationId,
        messageId: r.messageId,
        timestamp: Number(r.timestamp),
      }));
      return { ok: true, value: { kind: "read-markers", markers } };
    }
    case "displayName": {
      const { name, setAt } = b.value;
      if (name.length === 0 || name.length > MAX_NAME || !okTime(setAt)) return bad("a bad display name");
      return { ok: true, value: { kind: "display-name", name, setAt: Number(setAt) } };
    }
    case "history": {
      const { to, conversationId, messages } = b.value;
      if (!okId(to) || !okId(conversationId) || messages.length > SELF_PART_ENTRIES) return bad("a bad history slice");
      if (!messages.every((x) => okId(x.messageId) && x.sender.length <= MAX_ID && okTime(x.timestamp)))
        return bad("a bad history message");
      const out = messages.map((x) => ({
        messageId: x.messageId,
        sender: x.sender,
        timestamp: Number(x.timestamp),
        content: x.content,
      }));
      return { ok: true, value: { kind: "history", to, conversationId, messages: out } };
    }
    default:
      return bad("no payload body");
  }
}
