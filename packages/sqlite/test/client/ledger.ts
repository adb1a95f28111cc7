/**
 * What a crash-test party's history says: the numbered messages it sent ("v:<n>" or "p:<n>") and received, in
 * history order, with their delivery states. Used by the child processes (to continue their numbering after
 * a restart and choose where catch-up starts) and by the test (to check a killed child's file).
 */
import type { Client } from "@parley/core";

export interface Ledger {
  /** Numbers of our own numbered messages, in history order. */
  readonly sent: number[];
  /** Numbers of the peer's numbered messages, in history order. */
  readonly received: number[];
  /** Other texts, in history order, prefixed "out " or "in ". */
  readonly other: string[];
  /** Count of outgoing messages per delivery state. */
  readonly states: Record<string, number>;
  /** Sender timestamp of the newest incoming message (0 if none). */
  readonly lastIncomingAt: number;
  /** Our own messages not acked yet, as "<number or text>:<state>" (the first 10: what a stalled wait shows). */
  readonly unacked: string[];
}

/** `v:12` → 12 for tag "v". */
export function numberOf(text: string, tag: string): number | undefined {
  const m = /^([a-z]):(\d+)$/.exec(text);
  return m && m[1] === tag ? Number(m[2]) : undefined;
}

/** Reads a conversation's whole history (pages of 1000, newest first, bounded). */
export async function ledger(client: Client, conversationId: string, ownTag: string, peerTag: string): Promise<Ledger> {
  const items = [];
  let before: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await client.history(conversationId, { limit: 1000, ...(before !== undefined && { before }) });
    items.unshift(...r.items);
    if (r.before === undefined) break;
    before = r.before;
  }
  const out: Ledger = { sent: [], received: [], other: [], states: {}, lastIncomingAt: 0, unacked: [] };
  for (const i of items) {
    const text = i.content.kind === "text" ? (i.content as { text: string }).text : `<${i.content.kind}>`;
    if (i.direction === "out") {
      out.states[i.state ?? "none"] = (out.states[i.state ?? "none"] ?? 0) + 1;
      const n = numberOf(text, ownTag);
      if (i.state !== "acked" && out.unacked.length < 10) out.unacked.push(`${n ?? text}:${i.state ?? "none"}`);
      if (n === undefined) out.other.push(`out ${text}`);
      else out.sent.push(n);
    } else {
      (out as { lastIncomingAt: number }).lastIncomingAt = Math.max(out.lastIncomingAt, i.timestamp);
      const n = numberOf(text, peerTag);
      if (n === undefined) out.other.push(`in ${text}`);
      else out.received.push(n);
    }
  }
  return out;
}

/** True when `xs` is exactly 0, 1, …, xs.length - 1. */
export function isPrefixSequence(xs: readonly number[]): boolean {
  return xs.every((x, i) => x === i);
}
