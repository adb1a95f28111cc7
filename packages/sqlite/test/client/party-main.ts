/**
 * One party of the client crash test, in its own process: a core Client on a SqliteStore file and a
 * WakuDelivery connected to one service node (relay + Store). Reports JSON lines on stdout and takes JSON-line
 * commands on stdin. The victim is SIGKILLed at random moments and started again on the same file.
 *
 *   node --import tsx party-main.ts TAG PEER_TAG DB KEY|- NODE_MULTIADDR SINCE_MS AUTO_RUN_MS RESEND_MS
 *
 * TAG: "v" or "p"; numbered messages are "<TAG>:<n>", n = 0, 1, 2, … with no gap across restarts (the next
 * number is the count of numbered messages already in the history, which `send` commits before publishing).
 * SINCE_MS: where catch-up starts while no message was received yet. AUTO_RUN_MS > 0: send numbered messages
 * every AUTO_RUN_MS ms as soon as the conversation exists (the victim); 0: wait for {"cmd":"run"}.
 * RESEND_MS: the client's resendAfterMs.
 *
 * Lines out: loaded (modules loaded; with PARTY_WAIT_GO=1 it then waits for {"cmd":"go"}) · open {key,bundle} · ready {next,received,caughtUp} · conv {id} · s {n} (sent: committed and
 * published) · r {n} (received event) · m {text} (other received text) · pub {bytes,ok} (every publish) ·
 * paused {next} · report {ledger} · retry {code,message} (a failed catch-up, tried again) · err {code,message} ·
 * stopped.
 * Commands: go · bundle · start {bundle} · run {intervalMs} · pause · send {text} · report · stop.
 */

import { createInterface } from "node:readline";
import { Client, type Delivery } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { SqliteStore } from "@parley/sqlite";
import { HUNG_AFTER_MS } from "@parley/test-support/patience";
import { WakuDelivery } from "@parley/waku";
import { ledger, numberOf } from "./ledger.js";

const args = process.argv.slice(2);
if (args.length !== 8 || args.some((a) => !a))
  throw new Error("usage: party-main.ts TAG PEER_TAG DB KEY|- NODE SINCE_MS AUTO_RUN_MS RESEND_MS");
const [tag, peerTag, db, keyArg, node, sinceArg, autoRunArg, resendArg] = args as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
process.stdout.on("error", () => process.exit(1));

type Command =
  | { cmd: "go" }
  | { cmd: "bundle" }
  | { cmd: "start"; bundle: string }
  | { cmd: "run"; intervalMs: number }
  | { cmd: "pause" }
  | { cmd: "send"; text: string }
  | { cmd: "report" }
  | { cmd: "stop" };

// Commands read from the start; they run once the client is ready, in order.
let go: () => void = () => {};
const gone = new Promise<void>((resolve) => {
  go = resolve;
});
let chain = Promise.resolve();
let ready: () => void = () => {};
const isReady = new Promise<void>((resolve) => {
  ready = resolve;
});
createInterface({ input: process.stdin }).on("line", (line) => {
  const c = JSON.parse(line) as Command;
  if (c.cmd === "go") return go();
  chain = chain
    .then(() => isReady)
    .then(() => handle(c))
    .catch((err: unknown) => out({ e: "err", code: "command", message: (err as Error).message }));
});

// PARTY_WAIT_GO=1: load every module, say so, and touch nothing until {"cmd":"go"} (the test starts the next
// victim while the current one runs, so that a restart does not wait for Node to load libp2p).
out({ e: "loaded" });
if (process.env.PARTY_WAIT_GO === "1") await gone;

/**
 * Short timers, so acks and resends happen within a victim's short lives; a high give-up bound, so no message
 * is declared lost while its recipient is being killed over and over (the Store holds them all anyway).
 */
const CONFIG = { sweepIntervalMs: 250, resendAfterMs: Number(resendArg), ackDelayMs: 200, maxSends: 1_000 };
const SHARD_PROBE = "/logos-chat/1/probe/proto"; // every /logos-chat/1 topic is on this shard

const t0 = Date.now();
const phases: Record<string, number> = {};
const phase = (name: string) => {
  phases[name] = Date.now() - t0;
};
const waku = new WakuDelivery({
  network: { clusterId: 42, numShardsInCluster: 8 },
  bootstrap: [node],
  storePeers: [node],
  heartbeatIntervalMs: 100,
  publishTimeoutMs: 10_000,
});
await waku.start();
phase("waku");
if (!(await waku.waitForPeers(SHARD_PROBE, 1, HUNG_AFTER_MS))) throw new Error("no mesh with the node");
phase("mesh");

// Every publish is reported, so the test can count resends and sync messages next to first sends.
const delivery: Delivery = {
  maxPayloadBytes: waku.maxPayloadBytes,
  async publish(topic, payload) {
    const r = await waku.publish(topic, payload);
    out({ e: "pub", bytes: payload.length, ok: r.ok });
    return r;
  },
  subscribe: (topic, handler) => waku.subscribe(topic, handler),
  history: (query) => waku.history(query),
};

const store = await SqliteStore.open({ path: db, ...(keyArg !== "-" && { key: keyArg }) });
phase("store");
const client = await Client.openOrCreate({ store, delivery, crypto: new NodeCryptoProvider(), config: CONFIG });
phase("client");

let conversationId: string | undefined = (await client.conversations())[0]?.id;
let conversationReady: () => void = () => {};
const haveConversation = new Promise<void>((resolve) => {
  conversationReady = resolve;
  if (conversationId) resolve();
});
client.onEvent((e) => {
  if (e.type === "conversation-started") {
    conversationId ??= e.conversationId;
    out({ e: "conv", id: e.conversationId });
    conversationReady();
  } else if (e.type === "message") {
    const text = e.content.kind === "text" ? (e.content as { text: string }).text : `<${e.content.kind}>`;
    const n = numberOf(text, peerTag);
    out(n === undefined ? { e: "m", text } : { e: "r", n });
  } else if (e.type === "error") {
    out({ e: "err", code: e.error.code, message: e.error.message });
  }
});
out({ e: "open", key: client.installationKey, bundle: await client.introBundle() });

// Catch up from the node's Store: everything after the newest message we hold (the peer's messages are
// delivered in order, so nothing older can be missing), or from SINCE_MS if we hold none.
const before = conversationId ? await ledger(client, conversationId, tag, peerTag) : undefined;
const since = before && before.lastIncomingAt > 0 ? before.lastIncomingAt - 2_000 : Number(sinceArg);
// A failed Store query is retried, as an application would, with backoff (each attempt re-reads from
// `since`); a loaded node may time out several in a row. Bounded: a node that never answers fails the party.
let caughtUp = 0;
for (let attempt = 1; ; attempt++) {
  try {
    caughtUp += await client.catchUp(since);
    break;
  } catch (err) {
    const code = (err as { code?: string }).code ?? "catch-up";
    if (attempt === 20) throw err;
    out({ e: "retry", code, message: (err as Error).message });
    await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2_000)));
  }
}
let next = conversationId ? (await ledger(client, conversationId, tag, peerTag)).sent.length : 0;
phase("caught-up");
out({ e: "ready", next, received: before?.received.length ?? 0, caughtUp, phases, since });

let running = false;
let loop: Promise<void> = Promise.resolve();
function run(intervalMs: number): void {
  if (running) return;
  running = true;
  loop = (async () => {
    await haveConversation;
    while (running) {
      const n = next;
      await client.send(conversationId!, `${tag}:${n}`);
      next = n + 1;
      out({ e: "s", n });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
}
if (Number(autoRunArg) > 0) run(Number(autoRunArg));

async function handle(c: Command): Promise<void> {
  switch (c.cmd) {
    case "go":
      return;
    case "bundle":
      return out({ e: "bundle", bundle: await client.introBundle() });
    case "start": {
      const r = await client.startConversation(c.bundle, `${tag}:0`);
      conversationId = r.conversationId;
      next = 1;
      conversationReady();
      out({ e: "s", n: 0 });
      return out({ e: "conv", id: r.conversationId });
    }
    case "run":
      return run(c.intervalMs);
    case "pause":
      running = false;
      await loop;
      return out({ e: "paused", next });
    case "send":
      await haveConversation;
      await client.send(conversationId!, c.text);
      return out({ e: "sent-text", text: c.text });
    case "report":
      return out({ e: "report", ...(conversationId ? await ledger(client, conversationId, tag, peerTag) : {}) });
    case "stop":
      running = false;
      await loop;
      await client.close();
      await store.close();
      await waku.stop();
      out({ e: "stopped" });
      process.exit(0);
  }
}

ready();
