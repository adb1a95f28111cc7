import type { ChatEvent, ConversationSeed, DeliveryState } from "./model.js";

/** One stored message as the screen needs it. */
export interface ChatHistoryItem {
  readonly id: string;
  readonly kind: "in" | "out";
  readonly text: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
  readonly sender?: string;
}

export interface SentMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
}

/**
 * What the chat screen needs from a profile: a narrow view of the Client plus the network status and the
 * profile's local labels. `commands/chat.ts` builds it from a real Client over WakuDelivery.
 */
export interface ChatSession {
  readonly name: string;
  /** My current intro bundle. */
  bundle(): Promise<string>;
  conversations(): Promise<readonly ConversationSeed[]>;
  /** The newest messages of a conversation, oldest first. */
  history(conversationId: string, limit: number): Promise<readonly ChatHistoryItem[]>;
  events(): AsyncIterable<ChatEvent>;
  start(bundle: string, text: string): Promise<SentMessage>;
  send(conversationId: string, text: string): Promise<SentMessage>;
  rename(conversationId: string, label: string): Promise<void>;
  /** Groups (GroupV1): members are given by their installation keys (hex). */
  createGroup(name: string, peers: readonly string[]): Promise<string>;
  addMembers(conversationId: string, peers: readonly string[]): Promise<void>;
  removeMembers(conversationId: string, peers: readonly string[]): Promise<void>;
  leave(conversationId: string): Promise<void>;
  renameGroup(conversationId: string, name: string): Promise<void>;
  members(conversationId: string): Promise<readonly { peer: string; state: string; self: boolean }[]>;
  /** Writes my bundle to a file next to the profile; returns its path. */
  saveBundle(): Promise<string>;
  /** Connected peers and a one-word network state, polled by the status bar. */
  network(): { readonly peers: number; readonly state: string };
  close(): Promise<void>;
}
