import { memory } from "@libp2p/memory";
import { tcp } from "@libp2p/tcp";
import { type Transport, webSocketTransports } from "./transports.js";

/** Node's transports: TCP, WebSocket and in-process memory (tests). */
export function nodeTransports(): Transport[] {
  // tcp and memory are typed against a second copy of @libp2p/interface; they are the same at runtime.
  return [tcp() as unknown as Transport, ...webSocketTransports(), memory() as unknown as Transport];
}
