/**
 * GroupV1's due time (due.ts, issue 17) against `tick` itself: for random runs of steps (sends, adds, removes,
 * renames, leaves, deliveries under drops, duplicates and reordering, history fetches and history out of reach
 * for a while, time passing and the ticks of due groups), `tick` on a group before its due time does nothing: no
 * effect, no write. The due time is what the Client keeps: the last one a step noted (`dueTimes`), except that a
 * receive that noted none (held, rejected or a replay: nothing written) makes the group due once, at once, as
 * the Client's sweep does (`refusedInStep`): the tick that follows notes what memory then asks for. The probe's
 * transaction is never committed, and a tick that does nothing changes no memory either.
 */
import { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { type GroupEffect, GroupError } from "../../src/conversations/group-v1/index.js";
import type { TransactionView } from "../../src/framework/store.js";
import { createGroup, type Member, Net, prng, sendText } from "./harness.js";

const OPTIONS = {
  recoveryIntervalMs: 2_000,
  tailRecoveryMs: 10_000,
  keyPackageTimeoutMs: 8_000,
  leaveFailoverMs: 5_000,
  rewelcomeAfterMs: 20_000,
  orphans: { ttlMs: 30_000 },
};
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const ACTIONS = 120;

interface Due {
  at: number;
}

/** A view of a transaction that counts writes and never commits. */
class Probe implements TransactionView {
  writes = 0;
  constructor(private readonly tx: Transaction) {}
  get(ns: string, key: string) {
    return this.tx.get(ns, key);
  }
  scan(ns: string, options?: Parameters<TransactionView["scan"]>[1]) {
    return this.tx.scan(ns, options);
  }
  put(): void {
    this.writes++;
  }
  delete(): void {
    this.writes++;
  }
}

/** Keeps each member's due times the way the Client does, by wrapping the engine's steps. */
function track(m: Member, now: () => number): Map<string, Due> {
  const dues = new Map<string, Due>();
  const due = (cid: string) => dues.get(cid) ?? dues.set(cid, { at: 0 }).get(cid)!;
  const e = m.engine as unknown as Record<string, (tx: TransactionView, ...rest: unknown[]) => Promise<unknown>>;
  const steps = ["createGroup", "invite", "addMembers", "removeMembers", "setMetadata", "leave", "send"];
  for (const name of [...steps, "receiveControl", "tick", "recover", "receive"]) {
    const step = e[name]!.bind(m.engine);
    e[name] = async (tx, ...rest) => {
      const r = await step(tx, ...rest);
      const notes = m.engine.dueTimes(tx);
      for (const [cid, at] of notes) due(cid).at = at ?? Number.POSITIVE_INFINITY;
      // Refused (held, rejected, a replay): nothing written, due once at once.
      const cid = rest[0] as string;
      if (name === "receive" && !notes.has(cid)) due(cid).at = now();
      return r;
    };
  }
  return dues;
}

async function run(seed: number): Promise<number> {
  const net = new Net(seed, OPTIONS);
  net.drop = 0.3;
  net.duplicate = 0.1;
  const r = prng(seed * 7919);
  const members: Member[] = [];
  for (const name of ["a", "b", "c", "d", "e"]) members.push(await net.addMember(name));
  const dues = new Map(members.map((m) => [m, track(m, () => net.clock.t)] as const));
  const [a, b, c] = members as [Member, Member, Member];
  const cid = await createGroup(a, [b, c]);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let probes = 0;

  /** Every group of every member that is not due: tick must do nothing. */
  const probe = async () => {
    for (const m of members) {
      for (const [id, d] of dues.get(m)!) {
        if (d.at <= net.clock.t) continue;
        const view = new Probe(new Transaction(m.store));
        const effects = await m.engine.tick(view, id);
        probes++;
        expect(
          { effects: effects.map((x) => x.kind), writes: view.writes },
          `${m.name} ticked before its due time ${d.at - net.clock.t} ms away (seed ${seed})`,
        ).toEqual({ effects: [], writes: 0 });
      }
    }
  };
  /** One sweep of each member: the groups that are due are ticked. */
  const sweep = async () => {
    for (const m of members)
      for (const [id, d] of dues.get(m)!) if (d.at <= net.clock.t) await m.run((tx) => m.engine.tick(tx, id));
  };
  const active = async (m: Member) => {
    const s = await m.engine.summary(new Transaction(m.store), cid).catch(() => undefined);
    return s?.status === "active";
  };

  for (let i = 0; i < ACTIONS; i++) {
    const x = r();
    const ins = [];
    for (const m of members) if (await active(m)) ins.push(m);
    const actor = pick(ins.length > 0 ? ins : [a]);
    const outs = members.filter((m) => !ins.includes(m));
    try {
      if (x < 0.3 && ins.length > 0) await sendText(actor, cid, `m${i}`);
      else if (x < 0.4 && outs.length > 0) await actor.run((tx) => actor.engine.invite(tx, cid, [pick(outs).identity]));
      else if (x < 0.47 && ins.length > 2) {
        const victim = pick(ins.filter((m) => m !== actor));
        await actor.run((tx) => actor.engine.removeMembers(tx, cid, [victim.identity]));
      } else if (x < 0.52 && ins.length > 0)
        await actor.run((tx) => actor.engine.setMetadata(tx, cid, { name: `n${i}`, description: "" }));
      else if (x < 0.57 && ins.length > 2 && actor !== a) await actor.run((tx) => actor.engine.leave(tx, cid));
      // History out of reach for a while: gaps (missing ids, orphans ahead) last, up to a re-welcome.
      else if (x < 0.62) net.historyEnabled = !net.historyEnabled;
      else if (x < 0.8) await net.settle({ max: Math.floor(r() * 20) }).catch(() => undefined);
      else {
        net.clock.t += Math.floor(r() * 4_000);
        await probe();
        await sweep();
      }
    } catch (e) {
      // A command the engine refuses (its actor was just removed, its invitee joined meanwhile) writes nothing.
      if (!(e instanceof GroupError)) throw e;
    }
    await probe();
  }
  // Then quiet: time passes in sweeps until nothing is due, probing before each.
  for (let t = 0; t < 200; t++) {
    if (t === 60) net.historyEnabled = true;
    await net.settle();
    net.clock.t += 1_000;
    await probe();
    await sweep();
  }
  return probes;
}

describe("GroupV1 due time: tick before it does nothing", () => {
  for (const seed of SEEDS)
    it(`random steps under faults (seed ${seed})`, async () => {
      expect(await run(seed)).toBeGreaterThan(50);
    }, 300_000);
});

/** One tick of `m` on `cid` at the current time, committed and routed; returns its effects and the due it noted. */
async function tickNoting(net: Net, m: Member, cid: string): Promise<{ effects: GroupEffect[]; due?: number }> {
  const tx = new Transaction(m.store);
  const effects = await m.engine.tick(tx, cid);
  const due = m.engine.dueTimes(tx).get(cid);
  await tx.commit();
  net.route(m, effects);
  return { effects, due };
}

// Timers the random runs above reach only rarely (their windows are short beside the tail polling's): each is
// made the only thing due, and the due time must be exactly when tick acts on it.
describe("GroupV1 due time: each of tick's timers", () => {
  const quiet = { ...OPTIONS, tailRecoveryMs: 1 };

  it("leave failover: a member that is not the designated remover is due when the failover ends", async () => {
    const net = new Net(41, quiet);
    const [a, b, c, d] = [
      await net.addMember("a"),
      await net.addMember("b"),
      await net.addMember("c"),
      await net.addMember("d"),
    ];
    const cid = await createGroup(a, [b, c, d]);
    await net.settle();
    a.online = false; // the designated remover never hears the request
    const t0 = net.clock.t;
    await d.run((tx) => d.engine.leave(tx, cid));
    await net.settle();
    net.clock.t += 100;
    const { due } = await tickNoting(net, b, cid);
    expect(due).toBe(t0 + OPTIONS.leaveFailoverMs);
    net.clock.t = due! - 1;
    expect((await tickNoting(net, b, cid)).effects).toEqual([]);
    net.clock.t = due!;
    expect((await tickNoting(net, b, cid)).effects.some((e) => e.kind === "publish")).toBe(true);
  });

  it("orphans ahead of the head: due at the next paced history fetch while history does not fill the gap", async () => {
    const net = new Net(42, quiet);
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const cid = await createGroup(a, [b, c]);
    await net.settle();
    net.clock.t += 60_000;
    net.historyEnabled = false;
    b.online = false; // misses the rename's commit
    await a.run((tx) => a.engine.setMetadata(tx, cid, { name: "renamed", description: "" }));
    await net.settle();
    b.online = true;
    await sendText(a, cid, "ahead of b"); // held by b: its epoch is unknown to it
    await net.settle();
    net.clock.t += OPTIONS.recoveryIntervalMs;
    const first = await tickNoting(net, b, cid);
    expect(first.effects.map((e) => e.kind)).toContain("fetch-history");
    expect(first.due).toBe(net.clock.t + OPTIONS.recoveryIntervalMs);
    net.clock.t = first.due! - 1;
    expect((await tickNoting(net, b, cid)).effects).toEqual([]);
    net.clock.t = first.due!;
    expect((await tickNoting(net, b, cid)).effects.map((e) => e.kind)).toContain("fetch-history");
  });

  it("a missing id no fetch can bring (sent before our join) is asked for until ttlMs, then given up", async () => {
    const net = new Net(43, quiet);
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const cid = await createGroup(a, [b]);
    await net.settle();
    await sendText(a, cid, "before c"); // of an epoch c never reads
    await net.settle();
    await a.run((tx) => a.engine.invite(tx, cid, [c.identity]));
    await net.settle();
    net.clock.t += 1_000;
    await sendText(a, cid, "after c joined"); // its causal history names "before c"
    await net.settle();
    expect(c.text(cid)).toEqual(["after c joined"]);
    const t0 = net.clock.t;
    let fetches = 0;
    let due: number | undefined = t0;
    for (let i = 0; i < 100 && due !== undefined; i++) {
      net.clock.t = Math.max(net.clock.t, due);
      const r = await tickNoting(net, c, cid);
      fetches += r.effects.filter((e) => e.kind === "fetch-history").length;
      due = r.due === Number.POSITIVE_INFINITY ? undefined : r.due;
    }
    // Asked for every recoveryInterval while it lasts (the join's own tail window overlaps), then never again.
    expect(fetches).toBeGreaterThan(1);
    expect(fetches).toBeLessThanOrEqual(OPTIONS.orphans.ttlMs / OPTIONS.recoveryIntervalMs + 1);
    expect(due).toBeUndefined();
    expect(net.clock.t).toBeGreaterThanOrEqual(t0 + OPTIONS.orphans.ttlMs);
    net.clock.t += 600_000;
    expect((await tickNoting(net, c, cid)).effects).toEqual([]);
  });
});
