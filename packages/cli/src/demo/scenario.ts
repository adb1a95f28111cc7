import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Actor, type Directory } from "./actor.js";
import { type GroupOutcome, groupScenario } from "./group.js";
import { Transcript } from "./transcript.js";

export interface DemoOptions {
  /** Keep the temporary directory (profiles, node archive) and print where it is. */
  readonly keep?: boolean;
  readonly write?: (s: string) => void;
  /** Pause between steps (ms). Default: 700 on a terminal, 0 otherwise. */
  readonly paceMs?: number;
}

/**
 * `parley demo`: a Waku service node and two people on loopback, in this process, with real WakuDelivery
 * over TCP on 127.0.0.1 and the node's Store. Every step waits for what it narrates (bounded), and the
 * run ends with checks, so a demo that prints "done" did what it says. Resolves with the exit code.
 */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const t = new Transcript(options.write, options.paceMs ?? (process.stdout.isTTY ? 700 : 0));
  const dir = await mkdtemp(join(tmpdir(), "parley-demo-"));
  const started = performance.now();
  const { startNode } = await import("@parley/node");
  const actors: Actor[] = [];
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  try {
    t.title(
      "Parley demo: end-to-end encrypted chat over Waku, on this machine only",
      "A Waku node and two people, Alice and Bob, on 127.0.0.1. Everything below really goes over the network.",
    );

    await t.step(
      "Start a Waku service node",
      "It relays messages (Waku Relay) and keeps them in SQLite so it can answer Waku Store history queries.",
    );
    node = await startNode({ dataDir: join(dir, "node"), tcpPort: 0, wsPort: false, heartbeatIntervalMs: 100 });
    const addr = node.multiaddrs[0]!;
    t.say("node", `listening on ${addr}`);

    await t.step(
      "Alice and Bob create their identities",
      "Each gets an X25519 installation key, kept in their own SQLite profile, and connects to the node.",
    );
    const directory: Directory = { people: new Map(), groups: new Map() };
    const alice = new Actor("alice", dir, addr, t, directory);
    const bob = new Actor("bob", dir, addr, t, directory);
    actors.push(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    t.say("alice", `installation key ${alice.client.client.installationKey.slice(0, 16)}…`);
    t.say("bob", `installation key ${bob.client.client.installationKey.slice(0, 16)}…`);

    await t.step(
      "Bob shares his intro bundle; Alice uses it to start a conversation",
      "The bundle holds Bob's key and a signed handshake key, no secret: it could be on a web page.",
    );
    const bundle = await bob.client.bundle();
    t.say("bob", "my intro bundle:");
    t.detail(bundle);
    t.note(
      "Alice sends one Waku message to Bob's inbox: a Noise handshake (sender hidden) carrying her first message.",
    );
    const first = await alice.start(bundle, "Hi Bob, it's Alice!");
    await bob.untilReceived("Hi Bob, it's Alice!");
    const bobConv = bob.started[0]!.conversationId;
    const aliceConv = first.conversationId;

    await t.step(
      "A 1:1 chat, both ways, with delivery states",
      "… queued (stored), ✓ sent (the network took it), ✓✓ acked (the other side confirmed it, via SDS).",
    );
    const topic = (await alice.client.client.conversations()).find((c) => c.id === aliceConv)?.contentTopic;
    t.note(`their messages travel on the Waku content topic ${topic}, a short address other conversations share`);
    await bob.send(bobConv, "Hey Alice! Loud and clear.");
    await alice.untilReceived("Hey Alice! Loud and clear.");
    await alice.untilState(first.messageId, "acked");
    const second = await alice.send(aliceConv, "Every message is encrypted with a fresh key (Double Ratchet).");
    await bob.untilReceived("Every message is encrypted with a fresh key (Double Ratchet).");
    await alice.untilState(second, "acked");

    await t.step("Bob goes offline", "His client stops; his identity and conversations stay in bob.db.");
    await bob.disconnect();
    t.say("bob", "is offline");
    const missed = ["Are you there?", "I'll leave these with the node, read them when you're back."];
    const missedIds: string[] = [];
    for (const text of missed) {
      const id = await alice.send(aliceConv, text);
      missedIds.push(id);
      await alice.untilState(id, "sent");
    }
    t.note("Alice's messages are sent ✓ but not acked: nobody has confirmed them yet.");
    t.say(
      "node",
      `has stored ${await node.archive.count()} relayed messages so far: ciphertext only, it cannot read them`,
    );

    await t.step(
      "Bob comes back and catches up from the node's history",
      "He reopens his profile, asks the node's Waku Store for what arrived while he was away, and acknowledges it.",
    );
    await bob.connect();
    t.say("bob", "is back online");
    bob.catchingUp = true;
    const catchUp = await bob.client.catchUp();
    bob.catchingUp = false;
    await bob.client.markOnline();
    t.say(
      "bob",
      `fetched ${catchUp.fetched} message(s) on his topics from the node's Store, ${catchUp.readable} new for him ` +
        "(the rest he had already, or sent himself)",
    );
    for (const text of missed) await bob.untilReceived(text);
    for (const id of missedIds) await alice.untilState(id, "acked");
    await bob.send(bobConv, "Back! Got both of your messages.");
    await alice.untilReceived("Back! Got both of your messages.");

    const group: GroupOutcome = await groupScenario({
      t,
      alice,
      bob,
      dir: directory,
      newActor: async (name) => {
        const a = new Actor(name, dir, addr, t, directory);
        actors.push(a);
        await a.connect();
        return a;
      },
    });

    // The checks behind "done": every message arrived exactly once, in order.
    const expectBob = [
      "Hi Bob, it's Alice!",
      "Every message is encrypted with a fresh key (Double Ratchet).",
      ...missed,
    ];
    const expectAlice = ["Hey Alice! Loud and clear.", "Back! Got both of your messages."];
    const got = (a: Actor, inGroup: boolean) =>
      a.received.filter((r) => (r.conversationId === group.groupId) === inGroup).map((r) => r.text);
    const problems: string[] = [];
    const check = (who: string, actual: readonly string[], expected: readonly string[]) => {
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        problems.push(`${who} received ${JSON.stringify(actual)}`);
    };
    check("bob", got(bob, false), expectBob);
    check("alice", got(alice, false), expectAlice.slice());
    for (const [name, expected] of Object.entries(group.expected)) {
      const a = actors.find((x) => x.name === name);
      if (a) check(`${name} (group)`, got(a, true), expected);
    }
    for (const [name, expected] of Object.entries(group.direct)) {
      const a = actors.find((x) => x.name === name);
      if (a) check(name, got(a, false), expected);
    }
    const direct = expectBob.length + expectAlice.length + Object.values(group.direct).flat().length;
    if (catchUp.readable === 0) problems.push("bob's catch-up found nothing in the node's history");
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (problems.length > 0) {
      t.fail(`demo finished in ${seconds} s with problems: ${problems.join("; ")}`);
      return 1;
    }
    const groupDeliveries = Object.values(group.expected).reduce((n, l) => n + l.length, 0);
    t.ok(
      `done in ${seconds} s: ${direct} 1:1 messages, each delivered exactly once and in order, ` +
        `${missed.length} of them from the node's history, every one of Alice's acked; ` +
        `${groupDeliveries} group deliveries, each exactly once, none to Carol after her removal.`,
    );
    t.note("Next: `parley node` in one terminal, `parley chat --name you` in others. `parley --help` for more.");
    return 0;
  } catch (err) {
    t.fail(`demo failed: ${(err as Error).message}`);
    return 1;
  } finally {
    for (const a of actors) await a.disconnect().catch(() => undefined);
    await node?.stop().catch(() => undefined);
    if (options.keep) t.note(`kept the data in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
