/**
 * The Client on SqliteStore under SIGKILL, with real processes and a real network: a Waku service node
 * (`@parley/node`, relay + Store) on 127.0.0.1, a peer process and a victim process, each a core Client on its
 * own SQLite file with WakuDelivery. The peer sends numbered messages all along; the victim sends numbered
 * messages and receives the peer's. The victim is SIGKILLed at random moments (some during start-up: open,
 * WAL recovery, catch-up; most 100–1500 ms into its activity) and started again on its file; it catches up
 * from the node's Store. The node and the peer stay up; only the victim restarts. Its next process is spawned
 * while the current one runs and waits, modules loaded (libp2p takes seconds), touching nothing until it is
 * told to go after the kill: each restart still opens the file in a fresh process.
 *
 * After every kill, the victim's file must hold its numbered messages as exactly 0..k-1 in order (no loss of
 * anything it reported, no gap, no duplicate) and the peer's as exactly 0..m-1 in order. At the end (victim
 * running again, peer paused), each side must have received every number the other sent, exactly once and in
 * order, no number may have been reported twice as a received event, every message must reach "acked", a
 * final exchange must work both ways, and the identity and intro bundle must never change.
 *
 * Kills: 50 plaintext and 50 encrypted by default (a kill cycle takes 2.5–6 s on an idle machine, mostly Node
 * loading libp2p, and several times that on a loaded one). PARLEY_CLIENT_KILLS and
 * PARLEY_CLIENT_KILLS_ENCRYPTED change them; PARLEY_CRASH_SEED replays a schedule.
 *
 * Nothing here depends on the machine's speed: the work is a count of kills and messages, every wait is for an
 * event or a condition (a cap only declares a hang), the final waits fail only when nothing progresses for
 * STALLED_AFTER_MS, and a publish that finds no relay peer for a while (a loaded node is slow to keep its mesh)
 * is expected: resends and catch-up cover it, and the test's claims are about what is delivered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Delivery, NobleCryptoProvider } from "@parley/core";
import { SqliteStore } from "@parley/sqlite";
import { HUNG_AFTER_MS, STALLED_AFTER_MS } from "@parley/test-support/patience";
import { afterAll, afterEach, describe, expect, it, onTestFailed } from "vitest";
import { prng } from "../durability/child.js";
import { isPrefixSequence, type Ledger, ledger } from "./ledger.js";
import { killAll, NodeProcess, type PartyEvent, PartyProcess } from "./processes.js";

const KILLS = {
  plaintext: Number(process.env.PARLEY_CLIENT_KILLS ?? 50),
  encrypted: Number(process.env.PARLEY_CLIENT_KILLS_ENCRYPTED ?? 50),
};
const SEED = Number(process.env.PARLEY_CRASH_SEED ?? 0xc0ffee) + 101;
const VICTIM_SEND_EVERY_MS = 20;
const PEER_SEND_EVERY_MS = 100;
/** resendAfterMs: the victim's messages committed but not published before a kill go out on a later life. */
const VICTIM_RESEND_MS = "3000";
const PEER_RESEND_MS = "8000";
/** Sealed payloads at or under this size are content messages (first sends or resends); sync messages carry a Bloom filter. */
const CONTENT_MAX_BYTES = 1_000;

const dirs: string[] = [];
afterEach(() => killAll());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A delivery that goes nowhere: enough for Client.open to read a killed victim's file. */
const offline: Delivery = {
  maxPayloadBytes: 150 * 1024,
  publish: async () => ({ ok: false, error: "stopped" }),
  subscribe: async () => () => {},
};

/** Reads a party's file as the next start would (WAL recovery included), through the Client's own history. */
async function readFile(path: string, key: string | undefined, integrity: boolean): Promise<Ledger | undefined> {
  const store = await SqliteStore.open({ path, key });
  try {
    if (integrity) expect(await store.integrityCheck()).toEqual([]);
    const client = await Client.open({ store, delivery: offline, crypto: new NobleCryptoProvider(), autoSweep: false });
    const conv = (await client.conversations())[0];
    const l = conv && (await ledger(client, conv.id, "v", "p"));
    await client.close();
    return l;
  } finally {
    await store.close();
  }
}

/**
 * Error events must not happen, except network failures that the test counts and reports: a failed Store query
 * (WakuError store-*) in the Client's background backfill, and a publish that found no relay peer in time
 * (publish-failed: no-peers or timeout). Resends and catch-up cover both. Anything else (a rejected message,
 * a decryption failure) fails the test, with a count per code.
 */
function networkErrors(events: PartyEvent[], tail: string): { store: number; publish: number } {
  const errors = events.filter((x) => x.e === "err");
  const store = errors.filter((x) => String(x.code).startsWith("store-"));
  const publish = errors.filter((x) => x.code === "publish-failed" && /no-peers|timeout/.test(String(x.message)));
  const unexpected = errors.filter((x) => !store.includes(x) && !publish.includes(x));
  const byCode: Record<string, number> = {};
  for (const x of unexpected) byCode[`${x.code}: ${x.message}`] = (byCode[`${x.code}: ${x.message}`] ?? 0) + 1;
  expect(byCode, `unexpected error events; ${tail}`).toEqual({});
  return { store: store.length, publish: publish.length };
}

function countPublish(counts: { content: number; sync: number }, pub: PartyEvent): void {
  if (Number(pub.bytes) <= CONTENT_MAX_BYTES) counts.content++;
  else counts.sync++;
}

const numbers = (events: PartyEvent[], e: string) => events.filter((x) => x.e === e).map((x) => Number(x.n));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Re-checks `check` every 250 ms until it returns true. It fails only when `describe()` (the progress: counts
 * and states) has not changed for STALLED_AFTER_MS, however long the whole wait takes on a loaded machine; the
 * failure says `detail()` too (what is unacknowledged, the last errors).
 */
async function untilSettled(
  check: () => Promise<boolean>,
  describe: () => string,
  detail: () => string,
): Promise<void> {
  let last = "";
  let changedAt = Date.now();
  while (!(await check())) {
    const now = describe();
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    } else if (Date.now() - changedAt > STALLED_AFTER_MS) {
      throw new Error(`no progress for ${STALLED_AFTER_MS} ms: ${now}; ${detail()}`);
    }
    await sleep(250);
  }
}

describe("Client on SqliteStore survives SIGKILL while chatting over Waku (real processes)", () => {
  it.each([
    ["plaintext", KILLS.plaintext, undefined],
    ["encrypted", KILLS.encrypted, "client crash key"],
  ] as const)(
    "%s: %i kills of a sending and receiving client lose nothing and deliver nothing twice",
    async (label, kills, key) => {
      const startedAt = Date.now();
      const dir = mkdtempSync(join(tmpdir(), `parley-client-crash-${label}-`));
      dirs.push(dir);
      const random = prng(SEED + (key ? 1 : 0));
      const node = await NodeProcess.start(join(dir, "node"));
      onTestFailed(() => console.log(`node: ${node.tail()}`));
      const victimDb = join(dir, "victim.db");
      const peerDb = join(dir, "peer.db");
      const keyArg = key ?? "-";
      const since = String(Date.now() - 60_000);
      const victimArgs = (autoRunMs: number) => [
        "v",
        "p",
        victimDb,
        keyArg,
        node.address,
        since,
        String(autoRunMs),
        VICTIM_RESEND_MS,
      ];

      // The victim's identity, created once; the peer starts the conversation from its intro bundle.
      let victim = PartyProcess.start(victimArgs(0));
      const identity = await victim.next("open");
      await victim.next("ready");
      await victim.stop();
      const peer = PartyProcess.start(["p", "v", peerDb, keyArg, node.address, since, "0", PEER_RESEND_MS]);
      await peer.next("ready");
      await peer.call({ cmd: "start", bundle: identity.bundle }, "conv");
      peer.send({ cmd: "run", intervalMs: PEER_SEND_EVERY_MS });

      const receivedEvents = new Set<number>();
      let previous: Ledger = { sent: [], received: [], other: [], states: {}, lastIncomingAt: 0, unacked: [] };
      const stats = {
        killedBeforeReady: 0,
        killedMidSend: 0,
        killedMidReceive: 0,
        startupMs: [] as number[],
        catchUpMs: [] as number[],
        waitLoadedMs: [] as number[],
        checkMs: [] as number[],
        caughtUp: [] as number[],
        victim: { content: 0, sync: 0 },
        peer: { content: 0, sync: 0 },
        storeErrors: 0,
        publishFailures: 0,
        catchUpRetries: 0,
      };

      // The next victim process is spawned while the current one runs and loads its modules (libp2p takes
      // seconds); it touches nothing until it is told to go, after the previous one is dead.
      let standby = PartyProcess.start(victimArgs(VICTIM_SEND_EVERY_MS), true);
      for (let round = 0; round < kills; round++) {
        victim = standby;
        let t = Date.now();
        await victim.next("loaded", () => true, HUNG_AFTER_MS);
        stats.waitLoadedMs.push(Date.now() - t);
        victim.go();
        standby = PartyProcess.start(victimArgs(VICTIM_SEND_EVERY_MS), true);
        const beforeReady = random() < 0.15;
        if (beforeReady) {
          // Anywhere in start-up: process start, store open (WAL recovery, key derivation), Client.open, catch-up.
          const typical = stats.startupMs.length ? Math.max(...stats.startupMs) : 800;
          const readyOrDead = victim.next("ready", () => true, HUNG_AFTER_MS).catch(() => undefined);
          await Promise.race([sleep(random() * typical), readyOrDead]);
        } else {
          const ready = await victim.next("ready", () => true, HUNG_AFTER_MS);
          stats.startupMs.push(Date.now() - victim.startedAt);
          const phases = ready.phases as Record<string, number>;
          stats.catchUpMs.push(phases["caught-up"]! - phases.client!);
          stats.caughtUp.push(Number(ready.caughtUp));
          expect(ready.next).toBe(previous.sent.length);
          await sleep(100 + random() * 1_400);
        }
        await victim.kill();
        expect(victim.child.signalCode, victim.tail()).toBe("SIGKILL");
        const events = victim.events();
        if (!events.some((x) => x.e === "ready")) stats.killedBeforeReady++;
        for (const x of events.filter((x) => x.e === "open"))
          expect([x.key, x.bundle]).toEqual([identity.key, identity.bundle]);
        const net = networkErrors(events, victim.tail());
        stats.storeErrors += net.store;
        stats.publishFailures += net.publish;
        stats.catchUpRetries += events.filter((x) => x.e === "retry").length;
        for (const x of events) if (x.e === "pub") countPublish(stats.victim, x);
        const sentReported = numbers(events, "s");
        const receivedReported = numbers(events, "r");
        for (const n of receivedReported) {
          expect(receivedEvents.has(n), `peer message ${n} delivered twice`).toBe(false);
          receivedEvents.add(n);
        }

        // The file after the kill.
        t = Date.now();
        const now = await readFile(victimDb, key, round % 10 === 9);
        stats.checkMs.push(Date.now() - t);
        if (!now) {
          // Killed before the invite was ever caught up: nothing was, or may have been, recorded yet.
          expect(previous.sent.length + previous.received.length, "the conversation disappeared").toBe(0);
          expect(sentReported.length + receivedReported.length).toBe(0);
          continue;
        }
        expect(isPrefixSequence(now.sent), `sent ${now.sent.join(",")}`).toBe(true);
        expect(isPrefixSequence(now.received), `received ${now.received.join(",")}`).toBe(true);
        expect(now.sent.length).toBeGreaterThanOrEqual(previous.sent.length);
        expect(now.received.length).toBeGreaterThanOrEqual(previous.received.length);
        expect(now.sent.length).toBeGreaterThan(Math.max(-1, ...sentReported));
        expect(now.received.length).toBeGreaterThan(Math.max(-1, ...receivedReported));
        // Committed but the kill came before the report: inside send (after its commit) or inside ingest.
        if (now.sent.length > Math.max(previous.sent.length - 1, ...sentReported) + 1) stats.killedMidSend++;
        if (now.received.length > Math.max(previous.received.length - 1, ...receivedReported) + 1)
          stats.killedMidReceive++;
        previous = now;
      }

      // The victim comes back for good; the peer stops sending numbered messages.
      await standby.kill();
      victim = PartyProcess.start(victimArgs(0));
      expect((await victim.next("ready", () => true, HUNG_AFTER_MS)).next).toBe(previous.sent.length);
      const peerSent = Number((await peer.call({ cmd: "pause" }, "paused")).next);
      const victimSent = previous.sent.length;
      let v: Ledger | undefined;
      let p: Ledger | undefined;
      const reports = async () => {
        v = (await victim.call({ cmd: "report" }, "report")) as unknown as Ledger;
        p = (await peer.call({ cmd: "report" }, "report")) as unknown as Ledger;
      };
      // On a stall: what is not acknowledged yet on each side, and the error events so far (what refused what).
      const errorsOf = (events: PartyEvent[]) =>
        events.filter((x) => x.e === "err").map((x) => `${x.code}: ${x.message}`);
      const describeState = () =>
        `victim received ${v?.received.length}/${peerSent} states ${JSON.stringify(v?.states)}; ` +
        `peer received ${p?.received.length}/${victimSent} states ${JSON.stringify(p?.states)}`;
      const stalled = () =>
        `victim unacked ${JSON.stringify(v?.unacked)} errors ${JSON.stringify(errorsOf(victim.events()).slice(-5))}; ` +
        `peer unacked ${JSON.stringify(p?.unacked)} errors ${JSON.stringify(errorsOf(peer.events()).slice(-5))}`;
      await untilSettled(
        async () => {
          await reports();
          return v!.received.length >= peerSent && p!.received.length >= victimSent;
        },
        describeState,
        stalled,
      );
      // Every number exactly once, in order, on both sides; nothing else.
      expect(v!.received).toEqual([...Array(peerSent).keys()]);
      expect(p!.received).toEqual([...Array(victimSent).keys()]);
      expect(v!.sent).toEqual([...Array(victimSent).keys()]);
      expect(p!.sent).toEqual([...Array(peerSent).keys()]);
      expect([v!.other, p!.other]).toEqual([[], []]);
      // Received events: the peer (never killed) saw each of the victim's numbers once; the victim never twice.
      expect(numbers(peer.events(), "r")).toEqual([...Array(victimSent).keys()]);
      for (const n of numbers(victim.events(), "r")) {
        expect(receivedEvents.has(n), `peer message ${n} delivered twice`).toBe(false);
        receivedEvents.add(n);
      }

      // The session continues both ways.
      await victim.call({ cmd: "send", text: "final from the victim" }, "sent-text");
      await peer.next("m", (x) => x.text === "final from the victim", HUNG_AFTER_MS);
      await peer.call({ cmd: "send", text: "final from the peer" }, "sent-text");
      await victim.next("m", (x) => x.text === "final from the peer", HUNG_AFTER_MS);
      // Every message, before and after the kills, ends acknowledged on both sides.
      await untilSettled(
        async () => {
          await reports();
          return Object.keys(v!.states).join() === "acked" && Object.keys(p!.states).join() === "acked";
        },
        describeState,
        stalled,
      );
      expect(v!.states.acked).toBe(victimSent + 1);
      expect(p!.states.acked).toBe(peerSent + 1);
      const finalOpen = victim.events().find((x) => x.e === "open")!;
      expect([finalOpen.key, finalOpen.bundle]).toEqual([identity.key, identity.bundle]);
      for (const [party, events] of [
        [victim, victim.events()],
        [peer, peer.events()],
      ] as const) {
        const n = networkErrors(events, party.tail());
        stats.storeErrors += n.store;
        stats.publishFailures += n.publish;
      }
      stats.catchUpRetries += victim.events().filter((x) => x.e === "retry").length;

      const peerEvents = peer.events();
      await victim.stop();
      await peer.stop();
      expect(await node.stop()).toBe(0);
      expect(await readFile(victimDb, key, true)).toBeDefined();

      // Publish counts: content messages (first sends and resends) are small; sync messages carry a Bloom filter.
      for (const x of victim.events()) if (x.e === "pub") countPublish(stats.victim, x);
      for (const x of peerEvents) if (x.e === "pub") countPublish(stats.peer, x);
      const s = stats;
      const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
      console.log(
        `[client-crash ${label}] seed=${SEED} kills=${kills} in ${Math.round((Date.now() - startedAt) / 1000)} s: ` +
          `${s.killedBeforeReady} before ready (start-up, open, catch-up); ` +
          `${s.killedMidSend} after a send's commit and before its report; ` +
          `${s.killedMidReceive} after a receive's commit and before its event. ` +
          `Victim: sent ${victimSent}, received ${v!.received.length} (${receivedEvents.size} as events, none twice), ` +
          `publishes ${s.victim.content} content (${s.victim.content - victimSent - 1} resends) + ${s.victim.sync} sync. ` +
          `Peer: sent ${peerSent}, received ${p!.received.length}, publishes ${s.peer.content} content ` +
          `(${s.peer.content - peerSent - 1} resends) + ${s.peer.sync} sync. ` +
          `Victim start to ready: avg ${avg(s.startupMs)} ms, max ${Math.max(...s.startupMs)} ms ` +
          `(catch-up avg ${avg(s.catchUpMs)} ms, ${avg(s.caughtUp)} messages). ` +
          `Waiting for the standby process to load: avg ${avg(s.waitLoadedMs)} ms; checking the file: avg ${avg(s.checkMs)} ms. ` +
          `Store query failures: ${s.catchUpRetries} catch-up retries, ${s.storeErrors} background errors. ` +
          `Publishes that found no relay peer in time (covered by resends): ${s.publishFailures}.`,
      );
    },
    // A hang cap only: every step above has its own event-bound wait.
    Math.max(KILLS.plaintext, KILLS.encrypted) * 30_000 + 1_200_000,
  );
});
