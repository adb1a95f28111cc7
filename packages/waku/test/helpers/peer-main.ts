/**
 * A WakuDelivery client in its own process, driven by JSON lines on stdin, reporting JSON lines on stdout.
 * Commands: {cmd:"subscribe",topic} {cmd:"publish",topic,text} {cmd:"history",topics,startTime?} {cmd:"stop"}.
 * Events: {event:"ready",peerId} {event:"subscribed",topic} {event:"message",topic,text,hash,timestamp}
 * {event:"published",result} {event:"history",messages:[{topic,text,hash,timestamp}]} {event:"error",message}
 * {event:"stopped"}.
 */
import { createInterface } from "node:readline";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { WakuDelivery } from "../../src/index.js";

const bootstrap = process.argv.slice(2);
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const decoder = new TextDecoder();

const delivery = new WakuDelivery({
  network: { clusterId: 42, numShardsInCluster: 8 },
  heartbeatIntervalMs: 100,
  publishTimeoutMs: 8_000,
  bootstrap,
});
await delivery.start();
out({ event: "ready", peerId: delivery.peerId.toString() });

type Command =
  | { cmd: "subscribe"; topic: string }
  | { cmd: "publish"; topic: string; text: string }
  | { cmd: "history"; topics: string[]; startTime?: number }
  | { cmd: "wait-mesh"; topic: string }
  | { cmd: "stop" };

const queue: Command[] = [];
let busy = false;
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const c = queue.shift()!;
    try {
      await handle(c);
    } catch (err) {
      out({ event: "error", message: (err as Error).message });
    }
  }
  busy = false;
}

async function handle(c: Command): Promise<void> {
  switch (c.cmd) {
    case "subscribe":
      await delivery.subscribe(c.topic, (m) =>
        out({
          event: "message",
          topic: m.contentTopic,
          text: decoder.decode(m.payload),
          hash: m.hash,
          timestamp: m.timestamp,
        }),
      );
      out({ event: "subscribed", topic: c.topic });
      return;
    case "wait-mesh":
      out({ event: "mesh", topic: c.topic, ok: await delivery.waitForPeers(c.topic, 1, HUNG_AFTER_MS) });
      return;
    case "publish":
      out({ event: "published", result: await delivery.publish(c.topic, new TextEncoder().encode(c.text)) });
      return;
    case "history": {
      const messages = [];
      for await (const m of delivery.history({
        contentTopics: c.topics,
        ...(c.startTime !== undefined ? { startTime: c.startTime } : {}),
      }))
        messages.push({ topic: m.contentTopic, text: decoder.decode(m.payload), hash: m.hash, timestamp: m.timestamp });
      out({ event: "history", messages });
      return;
    }
    case "stop":
      await delivery.stop();
      out({ event: "stopped" });
      process.exit(0);
  }
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  queue.push(JSON.parse(line) as Command);
  void drain();
});
// The test harness closing stdin (or dying) ends this process too: no strays.
rl.on("close", () => {
  void delivery.stop().finally(() => process.exit(0));
});
