/**
 * Scalable Data Sync (vac SDS, js-waku wire) as a deterministic state machine. No timers and no I/O: the caller
 * drives it with `send`, `receive` and `sweep` at times it chooses, and gets back a new state, the messages to
 * put on the wire, and events (delivered in causal order, missing, acked, possibly acked, lost).
 *
 * Choices beyond the spec (docs/SDS.md explains them): the Bloom filter travels only in sync messages by
 * default; our last own message is always cited, so a sender's messages are delivered in the order sent;
 * acknowledging a message acknowledges what it cited (transitive acks); a message enters our Bloom filter when
 * it is delivered, not when it is buffered; a dependency that never arrives is declared lost after a bound and
 * no longer blocks the messages that wait on it.
 */
import {
  type BloomGeometry,
  type BloomParams,
  bloomGeometry,
  bloomHas,
  bloomInsert,
  emptyBloom,
  PRIVATE_V1_BLOOM,
} from "./bloom.js";
import { SdsError, type SdsErrorCode } from "./errors.js";
import { derivePacked, giveIndex, KnownIndex, takeIndex } from "./known.js";
import { type DecodedSdsMessage, decodeSdsMessage, encodeSdsMessage, type HistoryRef } from "./message.js";
import type { BufferedMessage, LogEntry, MissingMessage, OutgoingMessage, OwedAck, SdsState } from "./state.js";

export interface SdsOptions {
  /** Ids cited per message (the spec recommends 2; js-waku uses 200). Default 3. */
  readonly causalHistorySize?: number;
  /** Bloom filter sizing; both peers must agree. Default PRIVATE1's 2000 / 0.001. */
  readonly bloom?: BloomParams;
  /** Which messages carry our Bloom filter: all (as js-waku), sync only (default), or none. */
  readonly bloomIn?: "all" | "sync" | "none";
  /** Bloom hits that make a message acknowledged. Default 2 (as js-waku). */
  readonly possibleAcksThreshold?: number;
  /** Resend an unacknowledged message after this long (ms). Default 30,000. */
  readonly resendIntervalMs?: number;
  /** Resend a possibly-acknowledged message after this long (ms). Default 60,000. */
  readonly possiblyAckedResendIntervalMs?: number;
  /**
   * While the peer is not heard from, each resend doubles the wait before the next one, up to this (ms).
   * Default 30 minutes. A peer heard from within this long is online: messages are resent at the base interval.
   */
  readonly maxResendIntervalMs?: number;
  /** An outgoing message not acknowledged this long after its first send is declared lost (ms). Default 7 days. */
  readonly giveUpAfterMs?: number;
  /** Resends before an outgoing message is declared lost, whatever its age. Default unbounded. */
  readonly maxResends?: number;
  /**
   * Keep the encoded message of each unacknowledged outgoing message in the state (default true). A caller
   * that keeps its own wire form of each message (PrivateV1 keeps the sealed ciphertext, so that a resend is
   * the same ratchet message) passes false, and `resend` outgoing entries then carry empty bytes.
   */
  readonly retainOutgoingBytes?: boolean;
  /** Ids cited by one sync message at most; more owed acknowledgements go in further sync messages. Default 256. */
  readonly maxAckRefsPerSync?: number;
  /** Given-up ids remembered so that a late acknowledgement still reports them acknowledged. Default 1000. */
  readonly abandonedWindow?: number;
  /** A missing dependency (or a message buffered this long) is declared lost after this (ms). Default 600,000. */
  readonly incomingLostAfterMs?: number;
  /** A sync message acknowledges delivered messages after this delay (ms) unless a reply cites them first. */
  readonly ackDelayMs?: number;
  /** Also send a sync message when nothing was sent for this long (ms); default off. */
  readonly syncIntervalMs?: number;
  /** Delivered ids remembered for duplicate detection and dependencies. Default 1000. */
  readonly historyWindow?: number;
  /**
   * Bounds on buffered incoming messages. Defaults 1000 messages and 32 MiB. A message that would exceed
   * them is refused (`buffer-full`, nothing changes: its sender resends it), unless a buffered message waits
   * for it, which may take the buffer up to twice the bounds.
   */
  readonly maxIncoming?: number;
  readonly maxIncomingBytes?: number;
  /**
   * Bound on tracked missing ids and on the dependencies all buffered messages wait for together (default
   * 1000), and on owed acknowledgements (default 4096).
   */
  readonly maxTracked?: number;
  /**
   * Unknown dependencies honoured per received message (the last ones it cites; the rest are neither
   * awaited nor reported missing), so one message cannot make us track thousands of ids. Default 16.
   */
  readonly maxDependencies?: number;
  /**
   * Ids declared lost remembered (newest), so that a later message citing one does not wait for it again.
   * Default 256: each later message re-encodes them, and a peer decides how many ids get declared lost.
   */
  readonly maxLost?: number;
  readonly maxAckOwed?: number;
  /** Put sender ids in causal history entries (js-waku does; costs ~40 bytes per entry). Default false. */
  readonly historySenderIds?: boolean;
  /**
   * Acknowledging a message acknowledges its causal history. Default false: a peer that declared a message
   * lost and delivered its successor would otherwise acknowledge, through the successor, a message its
   * application never got (docs/SDS.md).
   */
  readonly transitiveAcks?: boolean;
}

export interface SdsOutgoing {
  readonly messageId: string;
  /** Encoded SDS message: the plaintext for the encryption layer. */
  readonly bytes: Uint8Array;
  readonly kind: "content" | "resend" | "sync";
}

export type SdsEvent =
  | {
      readonly type: "delivered";
      readonly messageId: string;
      readonly senderId: string;
      readonly lamport: bigint;
      readonly content: Uint8Array;
    }
  | { readonly type: "ephemeral"; readonly messageId: string; readonly senderId: string; readonly content: Uint8Array }
  | { readonly type: "missing"; readonly messages: readonly HistoryRef[] }
  | {
      readonly type: "acked";
      readonly messageId: string;
      /** The message had been given up (`outgoing-lost`) before this acknowledgement arrived. */
      readonly late?: boolean;
    }
  | { readonly type: "possibly-acked"; readonly messageId: string; readonly count: number }
  | { readonly type: "incoming-lost"; readonly messageIds: readonly string[] }
  | { readonly type: "outgoing-lost"; readonly messageId: string };

export interface SdsSweepOptions {
  /**
   * Once `now` reaches this time (ms), a dependency missing since before it (or a message waiting since before
   * it) is declared lost without waiting for the incoming-lost bound: the caller knows nothing older will
   * come (PrivateV1 after a session reset, when the peer has sent again everything it still had).
   */
  readonly lostBefore?: number;
}

export interface SdsStep {
  readonly state: SdsState;
  readonly outgoing: readonly SdsOutgoing[];
  readonly events: readonly SdsEvent[];
}

export type SdsReceiveStatus = "delivered" | "buffered" | "duplicate" | "sync" | "ephemeral";

export type SdsReceiveResult =
  | (SdsStep & { readonly ok: true; readonly status: SdsReceiveStatus; readonly message: DecodedSdsMessage })
  | { readonly ok: false; readonly error: SdsError & { readonly code: SdsReceiveErrorCode } };

/** The codes `receive` can fail with (the others are the sender's and the state loader's). */
export type SdsReceiveErrorCode = Extract<
  SdsErrorCode,
  "malformed" | "wrong-channel" | "own-message" | "sender-mismatch" | "buffer-full"
>;

export interface SdsReceiveOptions {
  /** The sender proven by the encryption layer; a different sender_id is rejected. */
  readonly expectedSenderId?: string;
}

/** Unknown dependencies honoured per received message, unless configured (see `maxDependencies`). */
export const DEFAULT_MAX_DEPENDENCIES = 16;

/** Lamport values above this are refused: they would let a peer exhaust our uint64 clock. */
const MAX_LAMPORT = 1n << 62n;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

interface Draft extends Omit<Mutable<SdsState>, "known"> {
  events: SdsEvent[];
  out: SdsOutgoing[];
  /**
   * `known` is the state's array (never modified) without its first `knownDropped` ids, then `knownAdded`
   * (of which the first `knownDropped - knownBase.length` are dropped too, when that is positive): the new
   * array is built once, when the transition finishes, and only if it changed.
   */
  knownBase: readonly string[];
  knownDropped: number;
  knownAdded: string[];
  /**
   * The membership index of `known` carried from state to state (see known.ts), or, while its lineage has
   * none, how many lookups scanned the array: building one costs about as much as a few scans of a full
   * window, so it is built once scans have paid for it.
   */
  knownIndex: KnownIndex | number;
  /** Membership index of `lost` (usually empty), built only once a transition makes more than a few lookups. */
  lostSet: Set<string> | undefined;
  lookups: number;
}

const EMPTY = new Uint8Array(0);

/** Lookups answered by scanning before an index is built. */
const SCANNED_LOOKUPS = 8;

export class Sds {
  readonly causalHistorySize: number;
  readonly geometry: BloomGeometry;
  readonly bloomIn: "all" | "sync" | "none";
  readonly possibleAcksThreshold: number;
  readonly resendIntervalMs: number;
  readonly possiblyAckedResendIntervalMs: number;
  readonly maxResendIntervalMs: number;
  readonly giveUpAfterMs: number;
  readonly maxResends: number;
  readonly retainOutgoingBytes: boolean;
  readonly maxAckRefsPerSync: number;
  readonly abandonedWindow: number;
  readonly incomingLostAfterMs: number;
  readonly ackDelayMs: number;
  readonly syncIntervalMs: number | undefined;
  readonly historyWindow: number;
  readonly maxIncoming: number;
  readonly maxIncomingBytes: number;
  readonly maxTracked: number;
  readonly maxDependencies: number;
  readonly maxLost: number;
  readonly maxAckOwed: number;
  readonly historySenderIds: boolean;
  readonly transitiveAcks: boolean;

  constructor(options: SdsOptions = {}) {
    this.causalHistorySize = options.causalHistorySize ?? 3;
    this.geometry = bloomGeometry(options.bloom ?? PRIVATE_V1_BLOOM);
    this.bloomIn = options.bloomIn ?? "sync";
    this.possibleAcksThreshold = options.possibleAcksThreshold ?? 2;
    this.resendIntervalMs = options.resendIntervalMs ?? 30_000;
    this.possiblyAckedResendIntervalMs = options.possiblyAckedResendIntervalMs ?? 60_000;
    this.maxResendIntervalMs = options.maxResendIntervalMs ?? 30 * 60_000;
    this.giveUpAfterMs = options.giveUpAfterMs ?? 7 * 24 * 3_600_000;
    this.maxResends = options.maxResends ?? Number.POSITIVE_INFINITY;
    this.retainOutgoingBytes = options.retainOutgoingBytes ?? true;
    this.maxAckRefsPerSync = Math.max(1, options.maxAckRefsPerSync ?? 256);
    this.abandonedWindow = options.abandonedWindow ?? 1000;
    this.incomingLostAfterMs = options.incomingLostAfterMs ?? 600_000;
    this.ackDelayMs = options.ackDelayMs ?? 1000;
    this.syncIntervalMs = options.syncIntervalMs;
    this.historyWindow = options.historyWindow ?? 1000;
    this.maxIncoming = options.maxIncoming ?? 1000;
    this.maxIncomingBytes = options.maxIncomingBytes ?? 32 * 1024 * 1024;
    this.maxTracked = options.maxTracked ?? 1000;
    this.maxDependencies = Math.max(1, options.maxDependencies ?? DEFAULT_MAX_DEPENDENCIES);
    this.maxLost = options.maxLost ?? 256;
    this.maxAckOwed = options.maxAckOwed ?? 4096;
    this.historySenderIds = options.historySenderIds ?? false;
    this.transitiveAcks = options.transitiveAcks ?? false;
  }

  /** A new channel; the Lamport clock starts at `now` (ms), as the spec requires. */
  init(channelId: string, senderId: string, now: number): SdsState {
    return {
      channelId,
      senderId,
      lamport: BigInt(Math.floor(now)),
      bloom: emptyBloom(this.geometry),
      bloomCount: 0,
      recent: [],
      known: [],
      lost: [],
      missing: [],
      incoming: [],
      outgoing: [],
      lastOwnId: undefined,
      ackOwed: [],
      ackOwedSince: undefined,
      lastSentAt: undefined,
      peerHeardAt: undefined,
      abandoned: [],
    };
  }

  /**
   * Sends a content message with a caller-chosen unique id (e.g. `messageIdFor(segment)`). Throws SdsError
   * for empty content or a reused id (caller bugs, not peer input).
   */
  send(state: SdsState, content: Uint8Array, messageId: string, now: number): SdsStep {
    if (content.length === 0) throw new SdsError("empty-content", "content messages need content");
    if (messageId.length === 0) throw new SdsError("malformed", "message id must not be empty");
    const d = this.#draft(state);
    if (this.#isKnown(d, messageId) || d.outgoing.some((m) => m.messageId === messageId)) {
      throw new SdsError("duplicate-id", "message id already used in this channel");
    }
    d.lamport = tick(d.lamport, now);
    const history = this.#contentHistory(d);
    const bytes = encodeSdsMessage({
      senderId: d.senderId,
      messageId,
      channelId: d.channelId,
      lamport: d.lamport,
      causalHistory: history,
      bloomFilter: this.bloomIn === "all" ? d.bloom : undefined,
      content,
    });
    d.outgoing.push({
      messageId,
      lamport: d.lamport,
      dependencies: history.map((h) => h.messageId),
      bytes: this.retainOutgoingBytes ? bytes : EMPTY,
      firstSentAt: now,
      lastSentAt: now,
      resends: 0,
      possibleAcks: 0,
    });
    this.#addKnown(d, messageId);
    this.#insertRecent(d, { messageId, lamport: d.lamport, senderId: d.senderId });
    d.lastOwnId = messageId;
    d.lastSentAt = now;
    this.#cited(d, history);
    d.out.push({ messageId, bytes, kind: "content" });
    return this.#finish(d);
  }

  /** Receives one encoded SDS message at `now`. Total: never throws on peer input. */
  receive(state: SdsState, bytes: Uint8Array, now: number, options: SdsReceiveOptions = {}): SdsReceiveResult {
    const m = decodeSdsMessage(bytes);
    if (!m) return fail("malformed", "not an SDS message");
    if (m.channelId !== state.channelId) return fail("wrong-channel", "message for another channel");
    if (m.senderId === state.senderId) return fail("own-message", "our own message");
    if (options.expectedSenderId !== undefined && m.senderId !== options.expectedSenderId) {
      return fail("sender-mismatch", "sender_id differs from the authenticated sender");
    }
    if (m.lamport !== undefined && m.lamport > MAX_LAMPORT) return fail("malformed", "Lamport timestamp too large");

    if (m.kind === "ephemeral") {
      const events: SdsEvent[] = [
        { type: "ephemeral", messageId: m.messageId, senderId: m.senderId, content: m.content! },
      ];
      return { ok: true, status: "ephemeral", message: m, state, outgoing: [], events };
    }

    const d = this.#draft(state);
    // An authenticated message from the peer: it is reachable, so what waits for a resend need not wait long.
    d.peerHeardAt = now;
    const isKnown = m.kind === "content" && this.#isKnown(d, m.messageId);
    if (m.kind === "content" && (isKnown || d.incoming.some((b) => b.messageId === m.messageId))) {
      // The sender did not see our acknowledgement: owe it again.
      if (isKnown) this.#owe(d, { messageId: m.messageId, senderId: m.senderId }, now);
      return { ok: true, status: "duplicate", message: m, ...this.#finish(d) };
    }

    this.#reviewAcks(d, m);
    if (m.kind === "sync") {
      // A sync cites mostly our own ids (acknowledgements): only the unknown ones count towards the cap.
      this.#recordMissing(d, this.#awaited(d, m.causalHistory), now);
      return { ok: true, status: "sync", message: m, ...this.#finish(d) };
    }

    // Only the dependencies not yet available are kept: what the message waits for, at most maxDependencies.
    const awaited = this.#awaited(d, m.causalHistory);
    const buffered: BufferedMessage = {
      messageId: m.messageId,
      senderId: m.senderId,
      lamport: m.lamport!,
      dependencies: awaited.map((h) => h.messageId),
      content: m.content!,
      receivedAt: now,
    };
    const wanted = d.missing.some((x) => x.messageId === m.messageId);
    if (awaited.length === 0) {
      if (wanted) d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
      this.#deliver(d, buffered, now);
      this.#drain(d, now);
      return { ok: true, status: "delivered", message: m, ...this.#finish(d) };
    }
    const refused = this.#refusal(d, buffered, wanted || d.incoming.some((b) => b.dependencies.includes(m.messageId)));
    if (refused) return fail("buffer-full", refused);
    if (wanted) d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
    d.incoming.push(buffered);
    this.#recordMissing(d, awaited, now);
    return { ok: true, status: "buffered", message: m, ...this.#finish(d) };
  }

  /**
   * Periodic work at `now`: declares long-missing dependencies lost (delivering what waited on them), resends
   * unacknowledged messages or gives up on them, and sends a sync message when an acknowledgement is due.
   */
  sweep(
    state: SdsState,
    now: number,
    options: SdsSweepOptions = {},
  ): SdsStep & { readonly missing: readonly MissingMessage[] } {
    const d = this.#draft(state);
    const bound = this.incomingLostAfterMs;
    const cut = options.lostBefore !== undefined && now >= options.lostBefore ? options.lostBefore : undefined;
    const gone = (since: number) => now - since >= bound || (cut !== undefined && since < cut);
    // Both lists are bounded (maxTracked, maxIncoming): a sweep with nothing expired only reads timestamps.
    if (d.missing.some((x) => gone(x.since)) || d.incoming.some((b) => gone(b.receivedAt))) {
      const expired = new Set(d.missing.filter((x) => gone(x.since)).map((x) => x.messageId));
      const waiting = new Set(d.incoming.filter((b) => !gone(b.receivedAt)).map((b) => b.messageId));
      for (const b of d.incoming) {
        if (!gone(b.receivedAt)) continue;
        for (const dep of b.dependencies) if (!this.#available(d, dep) && !waiting.has(dep)) expired.add(dep);
      }
      if (expired.size > 0) {
        this.#declareLost(d, [...expired]);
        this.#drain(d, now);
      }
    }

    const keep: OutgoingMessage[] = [];
    for (const m of d.outgoing) {
      if (now - m.firstSentAt >= this.giveUpAfterMs || m.resends >= this.maxResends) {
        d.events.push({ type: "outgoing-lost", messageId: m.messageId });
        this.#abandon(d, m.messageId);
      } else if (this.#resendDue(d, m, now)) {
        keep.push({ ...m, lastSentAt: now, resends: m.resends + 1 });
        d.out.push({ messageId: m.messageId, bytes: m.bytes, kind: "resend" });
      } else keep.push(m);
    }
    d.outgoing = keep;

    const ackDue = d.ackOwedSince !== undefined && now - d.ackOwedSince >= this.ackDelayMs;
    const idle =
      this.syncIntervalMs !== undefined &&
      d.recent.length > 0 &&
      (d.lastSentAt === undefined || now - d.lastSentAt >= this.syncIntervalMs);
    if (ackDue || idle) this.#sync(d, now);
    const step = this.#finish(d);
    return { ...step, missing: step.state.missing };
  }

  /**
   * Sends a sync message now (empty content, cites recent and owed ids, carries the filter unless "none").
   * With nothing to cite it sends nothing, unless `force` (a message whose only purpose is to exist).
   */
  sync(state: SdsState, now: number, options: { force?: boolean } = {}): SdsStep {
    const d = this.#draft(state);
    this.#sync(d, now, options.force ?? false);
    return this.#finish(d);
  }

  #sync(d: Draft, now: number, force = false): void {
    const refs = new Map<string, HistoryRef>();
    for (const h of this.#tail(d)) refs.set(h.messageId, h);
    for (const a of d.ackOwed) refs.set(a.messageId, this.#ref(a));
    if (refs.size === 0 && !force) return; // nothing to say (js-waku skips such syncs too)
    const all = [...refs.values()];
    // Every owed acknowledgement is cited exactly: large debts (after a catch-up) take several sync messages.
    for (let at = 0; at < Math.max(all.length, 1); at += this.maxAckRefsPerSync) {
      d.lamport = tick(d.lamport, now);
      const messageId = `sync-${d.lamport}`;
      const bytes = encodeSdsMessage({
        senderId: d.senderId,
        messageId,
        channelId: d.channelId,
        lamport: d.lamport,
        causalHistory: all.slice(at, at + this.maxAckRefsPerSync),
        bloomFilter: this.bloomIn === "none" ? undefined : d.bloom,
      });
      d.out.push({ messageId, bytes, kind: "sync" });
    }
    d.ackOwed = [];
    d.ackOwedSince = undefined;
    d.lastSentAt = now;
  }

  /**
   * Records that these unacknowledged messages were just put on the wire by the caller (sealed again in a new
   * session), so the next resend of each is counted from now.
   */
  touch(state: SdsState, messageIds: readonly string[], now: number): SdsState {
    if (messageIds.length === 0) return state;
    const ids = new Set(messageIds);
    const d = this.#draft(state);
    d.outgoing = d.outgoing.map((m) => (ids.has(m.messageId) ? { ...m, lastSentAt: now } : m));
    d.lastSentAt = now;
    return this.#finish(d).state;
  }

  /**
   * Owes an acknowledgement again for a message already delivered, when its sender shows it did not see ours
   * (a resend that the encryption layer recognised as a replay). Returns the same state when `messageId` is
   * not a delivered message of the peer.
   */
  reack(state: SdsState, messageId: string, senderId: string, now: number): SdsState {
    if (senderId === state.senderId) return state;
    const d = this.#draft(state);
    if (!this.#isKnown(d, messageId)) return state;
    this.#owe(d, { messageId, senderId }, now);
    return this.#finish(d).state;
  }

  /**
   * When an unacknowledged message is due again. While the peer is being heard from (within the last
   * `maxResendIntervalMs`), it is online: resend after the base interval. Otherwise it is away: each resend
   * doubles the wait, up to that cap, so a peer offline for days costs a few dozen resends per message.
   */
  #resendDue(d: Draft, m: OutgoingMessage, now: number): boolean {
    const base = m.possibleAcks > 0 ? this.possiblyAckedResendIntervalMs : this.resendIntervalMs;
    const since = now - m.lastSentAt;
    const cap = Math.max(base, this.maxResendIntervalMs);
    if (d.peerHeardAt !== undefined && now - d.peerHeardAt < cap) return since >= base;
    return since >= Math.min(base * 2 ** Math.min(m.resends, 30), cap);
  }

  #abandon(d: Draft, id: string): void {
    if (this.abandonedWindow <= 0) return;
    d.abandoned.push(id);
    if (d.abandoned.length > this.abandonedWindow) d.abandoned.splice(0, d.abandoned.length - this.abandonedWindow);
  }

  #draft(s: SdsState): Draft {
    return {
      channelId: s.channelId,
      senderId: s.senderId,
      lamport: s.lamport,
      bloom: s.bloom,
      bloomCount: s.bloomCount,
      recent: [...s.recent],
      knownBase: s.known,
      knownDropped: 0,
      knownAdded: [],
      knownIndex: takeIndex(s.known),
      lost: [...s.lost],
      missing: [...s.missing],
      incoming: [...s.incoming],
      outgoing: [...s.outgoing],
      lastOwnId: s.lastOwnId,
      ackOwed: [...s.ackOwed],
      ackOwedSince: s.ackOwedSince,
      lastSentAt: s.lastSentAt,
      peerHeardAt: s.peerHeardAt,
      abandoned: [...s.abandoned],
      events: [],
      out: [],
      lostSet: undefined,
      lookups: 0,
    };
  }

  #finish(d: Draft): SdsStep {
    const known = this.#known(d);
    if (known !== d.knownBase) derivePacked(d.knownBase, known, d.knownDropped, d.knownAdded);
    giveIndex(known, d.knownIndex);
    const state: SdsState = {
      channelId: d.channelId,
      senderId: d.senderId,
      lamport: d.lamport,
      bloom: d.bloom,
      bloomCount: d.bloomCount,
      recent: d.recent,
      known,
      lost: d.lost,
      missing: d.missing,
      incoming: d.incoming,
      outgoing: d.outgoing,
      lastOwnId: d.lastOwnId,
      ackOwed: d.ackOwed,
      ackOwedSince: d.ackOwedSince,
      lastSentAt: d.lastSentAt,
      peerHeardAt: d.peerHeardAt,
      abandoned: d.abandoned,
    };
    return { state, outgoing: d.out, events: d.events };
  }

  /** The draft's `known` window as an array (the state's own while unchanged). */
  #known(d: Draft): readonly string[] {
    const base = d.knownBase;
    if (d.knownAdded.length === 0 && d.knownDropped === 0) return base;
    if (d.knownDropped >= base.length) return d.knownAdded.slice(d.knownDropped - base.length);
    const out = base.slice(d.knownDropped);
    for (const id of d.knownAdded) out.push(id);
    return out;
  }

  #available(d: Draft, id: string): boolean {
    return this.#isKnown(d, id) || this.#isLost(d, id);
  }

  #isKnown(d: Draft, id: string): boolean {
    if (typeof d.knownIndex === "number") {
      if (++d.knownIndex <= SCANNED_LOOKUPS) {
        // Scanning from the end: dependencies are usually among the most recent ids.
        const base = d.knownBase;
        const added = d.knownAdded;
        const dropped = d.knownDropped;
        const at = added.lastIndexOf(id);
        if (at !== -1) return at >= dropped - base.length;
        return dropped < base.length && base.lastIndexOf(id) >= dropped;
      }
      d.knownIndex = KnownIndex.of(this.#known(d));
    }
    return d.knownIndex.has(id);
  }

  #isLost(d: Draft, id: string): boolean {
    if (d.lostSet === undefined && d.lost.length > 0 && ++d.lookups > SCANNED_LOOKUPS) d.lostSet = new Set(d.lost);
    return d.lostSet === undefined ? d.lost.includes(id) : d.lostSet.has(id);
  }

  #ref(e: { messageId: string; senderId: string }): HistoryRef {
    return this.historySenderIds ? { messageId: e.messageId, senderId: e.senderId } : { messageId: e.messageId };
  }

  #tail(d: Draft): HistoryRef[] {
    const n = this.causalHistorySize;
    return n > 0 ? d.recent.slice(-n).map((e) => this.#ref(e)) : [];
  }

  /** The last N log entries, with our own last message swapped in if it fell out (per-sender FIFO). */
  #contentHistory(d: Draft): HistoryRef[] {
    const tail = this.#tail(d);
    const own = d.lastOwnId;
    if (own !== undefined && tail.length > 0 && !tail.some((h) => h.messageId === own)) {
      tail[0] = this.#ref({ messageId: own, senderId: d.senderId });
    }
    return tail;
  }

  #addKnown(d: Draft, id: string): void {
    const base = d.knownBase;
    const added = d.knownAdded;
    const index = typeof d.knownIndex === "number" ? undefined : d.knownIndex;
    added.push(id);
    index?.push(id);
    for (let n = base.length + added.length - d.knownDropped; n > this.historyWindow; n--) {
      const i = d.knownDropped++;
      index?.shift(i < base.length ? base[i]! : added[i - base.length]!);
    }
    if (this.#isLost(d, id)) {
      d.lost = d.lost.filter((x) => x !== id);
      d.lostSet?.delete(id);
    }
  }

  #insertRecent(d: Draft, e: LogEntry): void {
    let i = d.recent.length;
    while (i > 0 && compareLog(d.recent[i - 1]!, e) > 0) i--;
    d.recent.splice(i, 0, e);
    const keep = Math.max(this.causalHistorySize, 1);
    if (d.recent.length > keep) d.recent.splice(0, d.recent.length - keep);
  }

  #deliver(d: Draft, m: BufferedMessage, now: number): void {
    if (m.lamport > d.lamport) d.lamport = m.lamport;
    this.#addKnown(d, m.messageId);
    this.#insertRecent(d, { messageId: m.messageId, lamport: m.lamport, senderId: m.senderId });
    if (d.bloomCount >= this.geometry.params.capacity) {
      // Roll over (the spec's SHOULD): start afresh, keeping the most recent half of what we know.
      d.bloom = emptyBloom(this.geometry);
      d.bloomCount = 0;
      for (const id of this.#known(d).slice(-Math.floor(this.geometry.params.capacity / 2))) {
        d.bloom = bloomInsert(this.geometry, d.bloom, id);
        d.bloomCount++;
      }
    }
    d.bloom = bloomInsert(this.geometry, d.bloom, m.messageId);
    d.bloomCount++;
    d.missing = d.missing.filter((x) => x.messageId !== m.messageId);
    this.#owe(d, { messageId: m.messageId, senderId: m.senderId }, now);
    d.events.push({
      type: "delivered",
      messageId: m.messageId,
      senderId: m.senderId,
      lamport: m.lamport,
      content: m.content,
    });
  }

  /** Delivers every buffered message whose dependencies are met, in (lamport, id) order, until none is. */
  #drain(d: Draft, now: number): void {
    for (;;) {
      let best = -1;
      for (let i = 0; i < d.incoming.length; i++) {
        const b = d.incoming[i]!;
        if (!b.dependencies.every((id) => this.#available(d, id))) continue;
        if (best < 0 || compareLog(b, d.incoming[best]!) < 0) best = i;
      }
      if (best < 0) return;
      const [m] = d.incoming.splice(best, 1);
      this.#deliver(d, m!, now);
    }
  }

  #owe(d: Draft, a: OwedAck, now: number): void {
    d.ackOwed = d.ackOwed.filter((x) => x.messageId !== a.messageId);
    d.ackOwed.push(a);
    if (d.ackOwed.length > this.maxAckOwed) d.ackOwed.splice(0, d.ackOwed.length - this.maxAckOwed);
    d.ackOwedSince ??= now;
  }

  /** Our message cited these ids: they (and, with transitive acks, what their senders sent before) are acked. */
  #cited(d: Draft, refs: readonly HistoryRef[]): void {
    for (const ref of refs) {
      const at = d.ackOwed.findIndex((a) => a.messageId === ref.messageId);
      if (at < 0) continue;
      const sender = d.ackOwed[at]!.senderId;
      d.ackOwed = d.ackOwed.filter((a, i) => (this.transitiveAcks ? i > at || a.senderId !== sender : i !== at));
    }
    if (d.ackOwed.length === 0) d.ackOwedSince = undefined;
  }

  #reviewAcks(d: Draft, m: DecodedSdsMessage): void {
    const queue = m.causalHistory.map((h) => h.messageId);
    while (queue.length > 0) {
      const id = queue.pop()!;
      const at = d.outgoing.findIndex((o) => o.messageId === id);
      if (at < 0) {
        // Given up earlier, yet the peer got it after all: report it acknowledged (only a direct citation).
        const gone = d.abandoned.indexOf(id);
        if (gone >= 0 && m.causalHistory.some((h) => h.messageId === id)) {
          d.abandoned.splice(gone, 1);
          d.events.push({ type: "acked", messageId: id, late: true });
        }
        continue;
      }
      const [acked] = d.outgoing.splice(at, 1);
      d.events.push({ type: "acked", messageId: id });
      if (this.transitiveAcks) queue.push(...acked!.dependencies);
    }
    const bloom = m.bloomFilter;
    if (!bloom || bloom.length !== this.geometry.byteLength) return;
    const keep: OutgoingMessage[] = [];
    for (const o of d.outgoing) {
      if (!bloomHas(this.geometry, bloom, o.messageId)) {
        keep.push(o);
        continue;
      }
      const count = o.possibleAcks + 1;
      if (count >= this.possibleAcksThreshold) d.events.push({ type: "acked", messageId: o.messageId });
      else {
        keep.push({ ...o, possibleAcks: count });
        d.events.push({ type: "possibly-acked", messageId: o.messageId, count });
      }
    }
    d.outgoing = keep;
  }

  #recordMissing(d: Draft, refs: readonly HistoryRef[], now: number): void {
    const fresh: HistoryRef[] = [];
    for (const ref of refs) {
      const id = ref.messageId;
      if (this.#available(d, id) || d.incoming.some((b) => b.messageId === id)) continue;
      if (d.missing.some((x) => x.messageId === id)) continue;
      d.missing.push(
        ref.retrievalHint
          ? { messageId: id, retrievalHint: ref.retrievalHint, since: now }
          : { messageId: id, since: now },
      );
      fresh.push(ref);
    }
    if (d.missing.length > this.maxTracked) d.missing.splice(0, d.missing.length - this.maxTracked);
    if (fresh.length > 0) d.events.push({ type: "missing", messages: fresh });
  }

  /**
   * Declares ids lost: they no longer block what waits on them. Buffered messages stop waiting for them at
   * once (not through `lost`, whose window may have dropped them again), so each is released exactly once.
   */
  #declareLost(d: Draft, ids: string[]): void {
    const set = new Set(ids);
    d.missing = d.missing.filter((x) => !set.has(x.messageId));
    d.incoming = d.incoming.map((b) =>
      b.dependencies.some((id) => set.has(id))
        ? { ...b, dependencies: b.dependencies.filter((id) => !set.has(id)) }
        : b,
    );
    for (const id of ids) {
      if (this.#isLost(d, id)) continue;
      d.lost.push(id);
      d.lostSet?.add(id);
    }
    if (d.lost.length > this.maxLost) {
      // One splice, not a shift per id (that was quadratic in what a peer made us declare lost).
      for (const dropped of d.lost.splice(0, d.lost.length - this.maxLost)) d.lostSet?.delete(dropped);
    }
    d.events.push({ type: "incoming-lost", messageIds: ids });
  }

  /** The last `maxDependencies` ids a message cites that are neither delivered nor lost: what we track of it. */
  #awaited(d: Draft, refs: readonly HistoryRef[]): readonly HistoryRef[] {
    const unknown = refs.filter((h) => !this.#available(d, h.messageId));
    return unknown.length > this.maxDependencies ? unknown.slice(-this.maxDependencies) : unknown;
  }

  /**
   * Why a message that must wait is refused, if it is: the buffer is full (messages, bytes, or dependencies
   * waited for). Refusing changes nothing, so the sender's resend brings it again once there is room; a
   * message the buffer itself waits for (`needed`) may use up to twice the bounds, so a full buffer drains.
   */
  #refusal(d: Draft, m: BufferedMessage, needed: boolean): string | undefined {
    if (d.incoming.length === 0) return undefined;
    const scale = needed ? 2 : 1;
    let bytes = m.content.length;
    let awaited = m.dependencies.length;
    for (const b of d.incoming) {
      bytes += b.content.length;
      awaited += b.dependencies.length;
    }
    if (d.incoming.length + 1 > this.maxIncoming * scale) return "too many buffered messages";
    if (bytes > this.maxIncomingBytes * scale) return "too many buffered bytes";
    if (awaited > this.maxTracked * scale) return "too many awaited dependencies";
    return undefined;
  }
}

/** Send-side clock: max(now, clock + 1). */
function tick(lamport: bigint, now: number): bigint {
  const t = BigInt(Math.floor(now));
  return t > lamport + 1n ? t : lamport + 1n;
}

function compareLog(a: { lamport: bigint; messageId: string }, b: { lamport: bigint; messageId: string }): number {
  if (a.lamport !== b.lamport) return a.lamport < b.lamport ? -1 : 1;
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

function fail(code: SdsReceiveErrorCode, message: string): SdsReceiveResult {
  return { ok: false, error: new SdsError(code, message) as SdsError & { readonly code: SdsReceiveErrorCode } };
}
