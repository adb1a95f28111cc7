/**
 * What a member sends: application frames (SDS inside MLS, kept in the outbox for re-sends after a lost
 * fork), the envelope every group message travels in, and control frames for the pairwise conversations.
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { createApplicationMessage, encodeMlsMessage } from "ts-mls";
import { fromHex, toHex } from "../../base/bytes.js";
import { saltedHint } from "../../framework/hints.js";
import { EncryptedPayloadSchema } from "../../wire/gen/logoschat/encryption/encryption_pb.js";
import { EnvelopeV1Schema } from "../../wire/gen/logoschat/envelope/envelope_pb.js";
import {
  GroupAppFrameSchema,
  GroupControlFrameSchema,
  GroupV1MessageSchema,
} from "../../wire/gen/logoschat/group/group_v1_pb.js";
import { SdsMessageSchema } from "../../wire/gen/logoschat/sds/sds_pb.js";
import type { GroupEffect } from "./effects.js";
import { pushCapped } from "./records.js";
import { CAPS, MLS_VERSION, type Session } from "./session.js";

/** Sends one application frame on the head (SDS-framed, kept in the outbox); returns its message id. */
export async function sendFrame(
  s: Session,
  frameType: MessageInitShape<typeof GroupAppFrameSchema>["frameType"],
): Promise<string> {
  const ctx = s.ctx;
  const messageId = toHex(ctx.random(16));
  const frame = create(GroupAppFrameSchema, { timestamp: BigInt(ctx.now()), frameType });
  s.meta.lamport += 1;
  const sds = create(SdsMessageSchema, {
    senderId: ctx.self,
    messageId,
    channelId: s.cid,
    lamportTimestamp: BigInt(s.meta.lamport),
    causalHistory: s.meta.recent.map((id) => ({ messageId: id })),
    content: toBinary(GroupAppFrameSchema, frame),
  });
  const plaintext = toBinary(SdsMessageSchema, sds);
  const head = s.headNode();
  await s.seen.add(messageId);
  pushCapped(s.meta.recent, messageId, CAPS.recent);
  s.outbox.add({ messageId, plaintext: toHex(plaintext), epochId: head.id, epoch: head.epoch });
  s.meta.lastActivity = ctx.now();
  await encryptAndPublish(s, plaintext);
  return messageId;
}

/** Encrypts in `epochId` (default: the head), whose roster is exactly who can read it. */
export async function encryptAndPublish(s: Session, plaintext: Uint8Array, epochId = s.meta.head): Promise<void> {
  const r = await createApplicationMessage(await s.state(epochId), plaintext, s.ctx.suite);
  s.setState(epochId, r.newState);
  const bytes = encodeMlsMessage({
    version: MLS_VERSION,
    wireformat: "mls_private_message",
    privateMessage: r.privateMessage,
  });
  await publish(s, epochId, bytes);
}

/** `newEpochRef`: for a commit, the epoch it creates (lets members removed by that branch follow it). */
export async function publish(
  s: Session,
  epochRef: string,
  mlsMessage: Uint8Array,
  newEpochRef?: string,
): Promise<void> {
  const ctx = s.ctx;
  const gm = toBinary(
    GroupV1MessageSchema,
    create(GroupV1MessageSchema, {
      epochRef: fromHex(epochRef)!,
      mlsMessage,
      newEpochRef: newEpochRef ? fromHex(newEpochRef)! : new Uint8Array(),
    }),
  );
  await s.echoes.add(ctx.shortHash(gm));
  const saltBytes = ctx.random(8);
  const salt = new DataView(saltBytes.buffer, saltBytes.byteOffset, 8).getBigUint64(0, false);
  const envelope = create(EnvelopeV1Schema, {
    conversationHint: saltedHint(ctx.crypto, salt, s.cid),
    salt,
    payload: toBinary(
      EncryptedPayloadSchema,
      create(EncryptedPayloadSchema, { encryption: { case: "plaintext", value: { payload: gm } } }),
    ),
  });
  s.emit({
    kind: "publish",
    conversationId: s.cid,
    contentTopic: ctx.contentTopic(s.cid),
    payload: toBinary(EnvelopeV1Schema, envelope),
  });
}

type ControlShape = MessageInitShape<typeof GroupControlFrameSchema>["control"];

/** A GroupControlFrame for `to`, carried by the host over the pairwise conversation with it. */
export function controlEffect(conversationId: string, to: string, control: ControlShape): GroupEffect {
  const frame = toBinary(GroupControlFrameSchema, create(GroupControlFrameSchema, { control }));
  return { kind: "control", conversationId, to, frame };
}

/** Emits a control frame about this session's group. */
export function control(s: Session, to: string, control: ControlShape): void {
  s.emit(controlEffect(s.cid, to, control));
}
