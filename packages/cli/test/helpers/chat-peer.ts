/**
 * A chat client in its own process, built from the library exactly as `parley chat` builds it (a SQLite
 * profile and WakuDelivery connected to one node), driven by JSON lines on stdin and reporting JSON lines on
 * stdout. Used by the multi-process test where no terminal is needed.
 *   argv: DATA NAME NODE_MULTIADDR
 *   commands: {cmd:"bundle"} {cmd:"start",bundle,text} {cmd:"send",conversationId,text} {cmd:"catch-up"} {cmd:"stop"}
 *   events: ready, bundle, sent, conversation-started, message, delivery-state, caught-up, error, stopped
 */
import { createInterface } from "node:readline";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { fromClientEvent } from "../../src/chat/events.js";
import { connectClient, waitConnected } from "../../src/network.js";
import { Profile } from "../../src/profile.js";

const [dataDir, name, node] = process.argv.slice(2) as [string, string, string];
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const delivery = await connectClient({ node, heartbeatIntervalMs: 100 });
const profile = await Profile.open({ dataDir, name, delivery, config: { sweepIntervalMs: 300, ackDelayMs: 200 } });
profile.client.onEvent((e) => {
  const c = fromClientEvent(e);
  out({ event: c.type, ...c, type: undefined });
});
out({ event: "ready", connected: await waitConnected(delivery, HUNG_AFTER_MS) });

type Command =
  | { cmd: "bundle" }
  | { cmd: "start"; bundle: string; text: string }
  | { cmd: "send"; conversationId: string; text: string }
  | { cmd: "catch-up" }
  | { cmd: "stop" };

async function handle(c: Command): Promise<void> {
  switch (c.cmd) {
    case "bundle":
      return out({ event: "bundle", bundle: await profile.bundle() });
    case "start":
      return out({ event: "sent", ...(await profile.start(c.bundle, c.text)) });
    case "send":
      return out({ event: "sent", ...(await profile.send(c.conversationId, c.text)) });
    case "catch-up": {
      const r = await profile.catchUp();
      await profile.markOnline();
      return out({ event: "caught-up", ...r });
    }
    case "stop":
      await profile.markOnline();
      await profile.close();
      await delivery.stop();
      out({ event: "stopped" });
      process.exit(0);
  }
}

let chain = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  chain = chain
    .then(() => handle(JSON.parse(line) as Command))
    .catch((err: unknown) => out({ event: "error", message: (err as Error).message }));
});
