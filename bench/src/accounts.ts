/**
 * Accounts with many devices (docs/ACCOUNTS.md §7, issue 15), through the Client (`Client.account`) on
 * MemoryStores over a fault-free MemoryDelivery and a VirtualClock:
 *   1. one 1:1 message as a function of devices per account (1, 2, 5 on each of two accounts), over an
 *      AccountDirectV1 conversation, next to a PrivateV1 conversation between two single-device clients in
 *      the same world, measured the same way (ratio = AccountDirectV1 ÷ PrivateV1);
 *   2. GroupV1 with devices as members (./accounts-group.ts);
 *   3. adding one device to an account holding K AccountDirectV1 conversations.
 * A message's receive time is the wall time of the delivery round (every receiving client idle again) divided
 * by the number of receiving devices; the clients run interleaved on one thread, so this is the CPU each spends.
 */
import { toHex } from "@parley/core";
import * as wire from "@parley/core/wire";
import { AccountWorld, active, type Device, fromHex, type AccountWorld as World } from "./account-world.js";
import { groupWithDevicesRows } from "./accounts-group.js";
import { envelopeGroupMessage } from "./group.js";
import { median, type Row, rowsAgainst, type Section } from "./harness.js";

const BODY = "z".repeat(256);
const WARMUP = 4;
const MESSAGES = 60;

/**
 * One message's cost: `send` (median ms of the sender's `send` until its publication is out), `receive`
 * (median ms of the delivery round, per receiving device), `wire` (bytes the sender publishes during `send`),
 * `wireAll` (bytes every client publishes over the run, acknowledgements and sweeps included), `committed`
 * (key and value bytes the sender commits) and `commits` (its store commits).
 */
type Cost = Record<"send" | "receive" | "wire" | "wireAll" | "committed" | "commits", number>;

/**
 * `MESSAGES` messages from `sender` over `cid`, each delivered to every device of `receivers` exactly once
 * (`seen` names the conversation on a receiver: a PrivateV1 conversation has its own id on each side).
 */
async function messages(
  w: World,
  sender: Device,
  receivers: Device[],
  cid: string,
  seen = (_: Device) => cid,
): Promise<Cost> {
  const got = receivers.map((r) => r.received.get(seen(r)) ?? 0);
  const sends: number[] = [];
  const receives: number[] = [];
  let wire = 0;
  let committed = 0;
  let commits = 0;
  const allBefore = w.devices.reduce((a, d) => a + d.wire.bytes, 0);
  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    const [b, c, p] = [sender.store.bytes, sender.store.commits, sender.wire.bytes];
    let t = performance.now();
    await sender.client.send(cid, BODY);
    await sender.client.idle();
    const send = performance.now() - t;
    const sent = { wire: sender.wire.bytes - p, committed: sender.store.bytes - b, commits: sender.store.commits - c };
    t = performance.now();
    await w.clock.advanceAsync(1);
    await w.idle();
    const receive = (performance.now() - t) / receivers.length;
    if (i >= WARMUP) {
      sends.push(send);
      receives.push(receive);
      wire += sent.wire;
      committed += sent.committed;
      commits += sent.commits;
    }
    // Let acknowledgements flow between timed rounds, as they would between messages.
    if (i % 8 === 7) await w.run(1_000);
  }
  await w.run(2_000);
  receivers.forEach((r, k) => {
    if ((r.received.get(seen(r)) ?? 0) !== got[k]! + WARMUP + MESSAGES) throw new Error(`${r.name} missed messages`);
  });
  const wireAll = w.devices.reduce((a, d) => a + d.wire.bytes, 0) - allBefore;
  return {
    send: median(sends),
    receive: median(receives),
    wire: wire / MESSAGES,
    wireAll: wireAll / (WARMUP + MESSAGES),
    committed: committed / MESSAGES,
    commits: commits / MESSAGES,
  };
}

async function perDevices(d: number): Promise<Row[]> {
  const w = new AccountWorld();
  const p = await w.device("p");
  const q = await w.device("q");
  const pv1 = await w.connect(p, q);
  const atQ = () => q.pairwise.get("p")!;
  const a = await w.account("a", d);
  const b = await w.account("b", d);
  const cid = await w.direct(a, b);
  // Alternate the two conversations so both see the same machine load.
  const base1 = await messages(w, p, [q], pv1, atQ);
  const ad = await messages(w, a[0]!, [...a.slice(1), ...b], cid);
  const base2 = await messages(w, p, [q], pv1, atQ);
  await w.close();
  const base: Cost = {
    send: Math.min(base1.send, base2.send),
    receive: Math.min(base1.receive, base2.receive),
    wire: base1.wire,
    wireAll: base1.wireAll,
    committed: base1.committed,
    commits: base1.commits,
  };
  const label = `${d} × ${d} devices`;
  const row = rowsAgainst(ad, base, `AccountDirectV1 ${label}`, "PrivateV1");
  return [
    row("send", "ms", (c) => c.send),
    row("receive, per device", "ms", (c) => c.receive),
    row("bytes published by the sender", "B", (c) => c.wire, 0),
    row("bytes published by all, per msg", "B", (c) => c.wireAll, 0),
    row("bytes committed by the sender", "B", (c) => c.committed, 0),
    row("commits by the sender", "", (c) => c.commits),
  ];
}

/**
 * The distinct MLS commits published on the topics of `cids` while the devices' logs were on: a GroupV1Message
 * naming a new epoch is a commit (a resent one names the same epoch).
 */
async function commitsOn(w: World, cids: string[]): Promise<number> {
  const convs = await w.devices[0]!.client.conversations();
  const topics = new Set(convs.filter((c) => cids.includes(c.id)).map((c) => c.contentTopic));
  const epochs = new Set<string>();
  for (const d of w.devices)
    for (const p of d.wire.log ?? []) {
      if (!topics.has(p.topic)) continue;
      const m = wire.fromBinary(wire.GroupV1MessageSchema, envelopeGroupMessage(p.payload));
      if (m.newEpochRef.length) epochs.add(toHex(m.newEpochRef));
    }
  return epochs.size;
}

/** One account holding K conversations (K = 1, 5, 20, built up in one world) gains one device at each K. */
async function deviceChange(): Promise<Row[]> {
  const w = new AccountWorld();
  const mine = await w.account("p", 1);
  const primary = mine[0]!;
  const cids: string[] = [];
  const rows: Row[] = [];
  for (const k of [1, 5, 20]) {
    while (cids.length < k) cids.push(await w.direct(mine, await w.account(`c${cids.length}_`, 1)));
    const added = await w.device(`p${mine.length + 1}`);
    await w.connect(primary, added);
    await w.run(2_000);
    const [commits, published] = [primary.store.commits, primary.wire.bytes];
    for (const d of w.devices) d.wire.log = [];
    const [t, virtual] = [performance.now(), w.clock.now()];
    const list = await primary.client.account.addDevice(fromHex(added.client.installationKey), added.name);
    await added.client.account.adoptList(list);
    await w.until(`the new device joins ${k} conversations`, async () => {
      for (const cid of cids) if (!(await active(added, cid))) return false;
      return true;
    });
    const ms = performance.now() - t;
    const sweeps = w.clock.now() - virtual;
    const mls = await commitsOn(w, cids);
    for (const d of w.devices) d.wire.log = undefined;
    const label = `add device #${mine.length + 1} with K = ${k} conversations`;
    rows.push({ name: `${label}: ms until in all`, value: ms, unit: "ms" });
    rows.push({ name: "  virtual ms until in all (sweeps every 1 s)", value: sweeps, unit: "ms" });
    rows.push({ name: `  MLS commits published (all K)`, value: mls, unit: "", ratio: mls / k, baseline: "per conv." });
    rows.push({ name: `  primary's store commits`, value: primary.store.commits - commits, unit: "" });
    rows.push({ name: `  bytes published by the primary`, value: primary.wire.bytes - published, unit: "B" });
    mine.push(added);
  }
  await w.close();
  return rows;
}

export const accountsSection: Section = async () => {
  const rows: Row[] = [];
  for (const d of [1, 2, 5]) rows.push(...(await perDevices(d)));
  rows.push(...(await groupWithDevicesRows()));
  rows.push(...(await deviceChange()));
  return {
    section: "accounts",
    rows,
    notes: [
      "Rows 1: ratio = AccountDirectV1 ÷ PrivateV1 (above 1: the account conversation costs more), same world, same run.",
      `Each 1:1 row: ${MESSAGES} messages of 256 B after ${WARMUP} warm-up ones; receive is per receiving device ` +
        "(2d − 1 of them: the sender's siblings and every device of the peer).",
      "Device change: one world, K grows 1 → 5 → 20 and each step adds one more device to the same account; " +
        "ms is the wall time of the whole world (every client's sweeps and commits) from addDevice until the " +
        "new device is active in all K conversations.",
    ],
  };
};
