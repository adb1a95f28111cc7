/**
 * What an SDS channel is configured with: the options a caller passes (`SdsOptions`, all optional) and the
 * resolved values every protocol step reads (`SdsConfig`, which `Sds` implements).
 */
import { type BloomGeometry, type BloomParams, bloomGeometry, PRIVATE_V1_BLOOM } from "./bloom.js";

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

/** Unknown dependencies honoured per received message, unless configured (see `maxDependencies`). */
export const DEFAULT_MAX_DEPENDENCIES = 16;

/** The options with their defaults applied (see `SdsOptions` for each). */
export interface SdsConfig {
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
}

/** `options` with the defaults applied; the one place the defaults live. */
export function resolveSdsConfig(options: SdsOptions = {}): SdsConfig {
  return {
    causalHistorySize: options.causalHistorySize ?? 3,
    geometry: bloomGeometry(options.bloom ?? PRIVATE_V1_BLOOM),
    bloomIn: options.bloomIn ?? "sync",
    possibleAcksThreshold: options.possibleAcksThreshold ?? 2,
    resendIntervalMs: options.resendIntervalMs ?? 30_000,
    possiblyAckedResendIntervalMs: options.possiblyAckedResendIntervalMs ?? 60_000,
    maxResendIntervalMs: options.maxResendIntervalMs ?? 30 * 60_000,
    giveUpAfterMs: options.giveUpAfterMs ?? 7 * 24 * 3_600_000,
    maxResends: options.maxResends ?? Number.POSITIVE_INFINITY,
    retainOutgoingBytes: options.retainOutgoingBytes ?? true,
    maxAckRefsPerSync: Math.max(1, options.maxAckRefsPerSync ?? 256),
    abandonedWindow: options.abandonedWindow ?? 1000,
    incomingLostAfterMs: options.incomingLostAfterMs ?? 600_000,
    ackDelayMs: options.ackDelayMs ?? 1000,
    syncIntervalMs: options.syncIntervalMs,
    historyWindow: options.historyWindow ?? 1000,
    maxIncoming: options.maxIncoming ?? 1000,
    maxIncomingBytes: options.maxIncomingBytes ?? 32 * 1024 * 1024,
    maxTracked: options.maxTracked ?? 1000,
    maxDependencies: Math.max(1, options.maxDependencies ?? DEFAULT_MAX_DEPENDENCIES),
    maxLost: options.maxLost ?? 256,
    maxAckOwed: options.maxAckOwed ?? 4096,
    historySenderIds: options.historySenderIds ?? false,
    transitiveAcks: options.transitiveAcks ?? false,
  };
}
