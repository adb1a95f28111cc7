export type { AccountDevice, AccountInfo, ClientAccount } from "./account.js";
export * from "./client.js";
export * from "./conversation-admin.js";
export * from "./errors.js";
export * from "./event-stream.js";
export * from "./file-transfer.js";
export * from "./peer-names.js";
export * from "./search.js";
export * from "./types.js";
