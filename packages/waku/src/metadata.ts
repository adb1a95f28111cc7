import type { Libp2p } from "@libp2p/interface";
import { proto_metadata } from "@waku/proto";
import { readMessage, withDeadline, writeMessage } from "./rpc.js";

/**
 * 66/WAKU2-METADATA responder: tells a connecting peer (js-waku checks it before choosing a service peer)
 * which cluster and shards this node serves.
 */
export const METADATA_CODEC = "/vac/waku/metadata/1.0.0";

export async function handleMetadata(libp2p: Libp2p, clusterId: number, shards: readonly number[]): Promise<void> {
  await libp2p.handle(METADATA_CODEC, ({ stream }) => {
    void withDeadline(stream, 10_000, async () => {
      const req = await readMessage(stream, 1024);
      if (req === undefined) return stream.abort(new Error("empty metadata request"));
      await writeMessage(stream, proto_metadata.WakuMetadataResponse.encode({ clusterId, shards: [...shards] }));
    }).catch(() => undefined);
  });
}
