import type { Content } from "@parley/core";
import type { ChatEvent } from "./events.js";
import type { ConversationSeed, DeliveryState, FileChunkInfo } from "./model.js";

/** One stored message as the screen needs it. */
export interface ChatHistoryItem {
  readonly id: string;
  readonly kind: "in" | "out";
  readonly text: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
  readonly sender?: string;
  readonly file?: FileChunkInfo;
  readonly profile?: string;
  readonly leave?: boolean;
}

export interface HistoryPage {
  /** Oldest first. */
  readonly items: readonly ChatHistoryItem[];
  /** Where the page before this one starts; absent at the beginning of the conversation. */
  readonly before?: string;
}

export interface SentMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
}

export interface SearchResult {
  readonly conversationId: string;
  readonly direction: "in" | "out";
  readonly sender?: string;
  readonly timestamp: number;
  readonly text: string;
}

/** An invite waiting for the user's answer (the profile asks for message requests). */
export interface ChatRequest {
  readonly id: string;
  /** The sender's installation key, lower hex. */
  readonly peer: string;
  readonly receivedAt: number;
  /** Its first message as the screen shows it ("" when it did not travel with the invite). */
  readonly text: string;
}

/** A received file chunk handed to the downloads folder, and what it says about the file. */
export interface FileStatus {
  readonly received: number;
  readonly savedAs?: string;
  readonly problem?: string;
}

/** A device of my account, as `/devices` lists it. */
export interface ChatDevice {
  /** Installation key, lower hex. */
  readonly installationKey: string;
  readonly name: string;
  readonly addedAt: number;
  readonly self: boolean;
}

export interface ChatAccountInfo {
  /** Lower hex. */
  readonly accountKey: string;
  /** This device holds the account key (links and revokes devices). */
  readonly primary: boolean;
  readonly version: bigint;
  readonly devices: readonly ChatDevice[];
}

/** A link begun on the primary (`/link`), waiting for `/confirm` or `/cancel`. */
export interface ChatPendingLink {
  /** The six words; a Promise or not, depending on the library's version: always awaited. */
  readonly words: readonly string[] | Promise<readonly string[]>;
  /** The new device's installation key, lower hex. */
  readonly device: string;
  confirm(name?: string): Promise<void>;
  cancel(): void;
}

/** The account calls of the screen (docs/ACCOUNTS.md §1): `client.account`, nothing added. */
export interface ChatAccount {
  info(): Promise<ChatAccountInfo | undefined>;
  /** This device becomes the primary of a new account; the recovery code is returned once. */
  create(deviceName: string): Promise<{ readonly accountKey: string; readonly recoveryCode: string }>;
  address(): Promise<string>;
  startConversation(address: string): Promise<{ readonly conversationId: string }>;
  /** New device: the code to show; the words and the account then come as notices. */
  linkCode(): Promise<string>;
  beginLink(code: string): Promise<ChatPendingLink>;
  removeDevice(installationKey: string): Promise<void>;
}

/**
 * What the chat screen needs from a profile: a narrow view of the Client plus the network status and the
 * profile's local records. `profile-session.ts` builds it from a real Client over WakuDelivery.
 */
export interface ChatSession {
  readonly name: string;
  /** My current intro bundle. */
  bundle(): Promise<string>;
  readonly account: ChatAccount;
  /** The installation key (hex) a bundle belongs to, or undefined when it is not a valid bundle. */
  bundleOwner(bundle: string): string | undefined;
  conversations(): Promise<readonly ConversationSeed[]>;
  /** A page of a conversation's history, oldest first; `before` continues back in time. */
  history(conversationId: string, limit: number, before?: string): Promise<HistoryPage>;
  events(): AsyncIterable<ChatEvent>;
  start(bundle: string, text: string): Promise<SentMessage>;
  send(conversationId: string, text: string): Promise<SentMessage>;
  /** Any content (file chunks, display names, leave notices). */
  sendContent(conversationId: string, content: Content): Promise<SentMessage>;
  rename(conversationId: string, label: string): Promise<void>;
  /** Groups (GroupV1): members are given by their installation keys (hex). */
  createGroup(name: string, peers: readonly string[]): Promise<string>;
  addMembers(conversationId: string, peers: readonly string[]): Promise<void>;
  removeMembers(conversationId: string, peers: readonly string[]): Promise<void>;
  leave(conversationId: string): Promise<void>;
  renameGroup(conversationId: string, name: string): Promise<void>;
  members(conversationId: string): Promise<readonly { peer: string; state: string; self: boolean }[]>;
  archive(conversationId: string, archived: boolean): Promise<void>;
  /** Deletes the conversation, its history and its keys. */
  remove(conversationId: string): Promise<void>;
  search(text: string): Promise<readonly SearchResult[]>;
  /** Message requests, oldest first; accepting starts the conversation (its events follow), refusing deletes it. */
  messageRequests(): Promise<readonly ChatRequest[]>;
  acceptRequest(id: string): Promise<string>;
  refuseRequest(id: string): Promise<void>;
  /** Display names peers asserted, by installation key. */
  peerNames(): Promise<ReadonlyMap<string, string>>;
  /** The display name my peers are sent, and changing it. */
  displayName(): Promise<string>;
  setDisplayName(name: string): Promise<void>;
  /** Reads a file to send: its bytes, a plain name and a media type. Throws with a plain message. */
  readFile(path: string): Promise<{ bytes: Uint8Array; name: string; mediaType: string }>;
  /** Cuts a file into the chunks to send. */
  fileChunks(bytes: Uint8Array, name: string, mediaType: string): Content[];
  /** What the downloads folder holds of a received file (for files seen in history). */
  fileStatus(transfer: string): Promise<FileStatus | undefined>;
  /** Writes my bundle to a file next to the profile; returns its path. */
  saveBundle(): Promise<string>;
  /** Connected peers and a one-word network state, polled by the status bar. */
  network(): { readonly peers: number; readonly state: string };
  close(): Promise<void>;
}
