import type { Libp2p, Stream } from "@libp2p/interface";
import { proto_store } from "@waku/proto";
import { readMessage, withDeadline, writeMessage } from "../rpc.js";
import type { MessageArchive } from "./archive.js";

/** Waku Store v3 (WAKU2-STORE): request/response over one stream per page. */
export const STORE_CODEC = "/vac/waku/store-query/3.0.0";

/** Requests carry at most 100 hashes and 100 topics: far below this. */
const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * js-waku's and most libp2p clients' length-prefix decoders refuse frames over 4 MiB, so a page is cut short
 * (with a cursor) rather than exceed it.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

export async function serveStore(libp2p: Libp2p, archive: MessageArchive): Promise<void> {
  await libp2p.handle(STORE_CODEC, ({ stream }) => {
    void withDeadline(stream, 30_000, () => answer(stream, archive)).catch((err: unknown) => {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

async function answer(stream: Stream, archive: MessageArchive): Promise<void> {
  const bytes = await readMessage(stream, MAX_REQUEST_BYTES);
  if (bytes === undefined) return stream.abort(new Error("empty store request"));
  let req: proto_store.StoreQueryRequest;
  try {
    req = proto_store.StoreQueryRequest.decode(bytes);
  } catch {
    await writeMessage(
      stream,
      encodeResponse({ requestId: "", statusCode: 400, statusDesc: "BAD_REQUEST: undecodable" }),
    );
    return;
  }
  const response = await respond(archive, req);
  await writeMessage(stream, encodeResponse(response));
}

export async function respond(
  archive: MessageArchive,
  req: proto_store.StoreQueryRequest,
): Promise<proto_store.StoreQueryResponse> {
  let outcome: Awaited<ReturnType<MessageArchive["query"]>>;
  try {
    outcome = await archive.query(req, MAX_RESPONSE_BYTES);
  } catch {
    return { requestId: req.requestId, statusCode: 500, statusDesc: "INTERNAL_SERVER_ERROR", messages: [] };
  }
  if (outcome.status !== 200)
    return { requestId: req.requestId, statusCode: outcome.status, statusDesc: outcome.description, messages: [] };
  return {
    requestId: req.requestId,
    statusCode: 200,
    statusDesc: "OK",
    messages: outcome.messages.map((m) => ({
      messageHash: m.hash,
      ...(req.includeData ? { message: m.message, pubsubTopic: m.pubsubTopic } : {}),
    })),
    ...(outcome.cursor ? { paginationCursor: outcome.cursor } : {}),
  };
}

function encodeResponse(r: Partial<proto_store.StoreQueryResponse>): Uint8Array {
  return proto_store.StoreQueryResponse.encode({ messages: [], ...r });
}
