/** Wire schemas of the protocol family, generated from proto/ by buf + protoc-gen-es. */
export { create, fromBinary, toBinary } from "@bufbuild/protobuf";
export * from "./gen/logoschat/account/account_pb.js";
export * from "./gen/logoschat/account/self_pb.js";
export * from "./gen/logoschat/content/content_pb.js";
export * from "./gen/logoschat/convos/private_v1/private_v1_pb.js";
export * from "./gen/logoschat/encryption/encryption_pb.js";
export * from "./gen/logoschat/envelope/envelope_pb.js";
export * from "./gen/logoschat/group/group_v1_pb.js";
export * from "./gen/logoschat/inbox/inbox_pb.js";
export * from "./gen/logoschat/intro/intro_pb.js";
export * from "./gen/logoschat/invite/invite_pb.js";
export {
  file_logoschat_reliability_reliability,
  type HistoryEntry as ReliabilityHistoryEntry,
  HistoryEntrySchema as ReliabilityHistoryEntrySchema,
  type ReliablePayload,
  ReliablePayloadSchema,
} from "./gen/logoschat/reliability/reliability_pb.js";
export * from "./gen/logoschat/sds/sds_pb.js";
export * from "./gen/logoschat/segmentation/segmentation_pb.js";
