import { webSockets } from "@libp2p/websockets";
import { all as allAddresses } from "@libp2p/websockets/filters";

export type Transport = ReturnType<typeof webSockets>;

/**
 * The WebSocket transport that accepts plain `ws://` addresses: libp2p's default filter keeps only `wss`
 * outside loopback-free setups, but a `parley node` on loopback or a LAN serves plain ws.
 */
export function webSocketTransports(): Transport[] {
  return [webSockets({ filter: allAddresses })];
}
