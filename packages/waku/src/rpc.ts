import type { Stream } from "@libp2p/interface";
import * as lp from "it-length-prefixed";

/**
 * One length-prefixed request and one length-prefixed response per stream: the framing of every Waku
 * request/response protocol (store, metadata). Bounded in size and time.
 */
export async function readMessage(stream: Stream, maxBytes: number): Promise<Uint8Array | undefined> {
  for await (const chunk of lp.decode(stream.source, { maxDataLength: maxBytes })) {
    return chunk.subarray();
  }
  return undefined;
}

export async function writeMessage(stream: Stream, bytes: Uint8Array): Promise<void> {
  // Sinking a finite source also closes our write side, which tells the peer the message is complete.
  await stream.sink([lp.encode.single(bytes)]);
}

/** Aborts the stream if `fn` has not finished within `ms`. */
export async function withDeadline<T>(stream: Stream, ms: number, fn: () => Promise<T>): Promise<T> {
  const timer = setTimeout(() => stream.abort(new Error(`stream deadline of ${ms} ms exceeded`)), ms);
  try {
    return await fn();
  } finally {
    clearTimeout(timer);
  }
}
