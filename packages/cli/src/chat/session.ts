import type { ChatEvent, DeliveryState } from "./model.js";

/** One stored message as the screen needs it. */
export interface ChatHistoryItem {
  readonly id: string;
  readonly kind: "in" | "out";
  readonly text: string;
  readonly timestamp: number;
  readonly state?: DeliveryState;
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
  conversations(): Promise<readonly { id: string; peer: string; label?: string }[]>;
  /** The newest messages of a conversation, oldest first. */
  history(conversationId: string, limit: number): Promise<readonly ChatHistoryItem[]>;
  events(): AsyncIterable<ChatEvent>;
  start(bundle: string, text: string): Promise<SentMessage>;
  send(conversationId: string, text: string): Promise<SentMessage>;
  rename(conversationId: string, label: string): Promise<void>;
  /** Writes my bundle to a file next to the profile; returns its path. */
  saveBundle(): Promise<string>;
  /** Connected peers and a one-word network state, polled by the status bar. */
  network(): { readonly peers: number; readonly state: string };
  close(): Promise<void>;
}
