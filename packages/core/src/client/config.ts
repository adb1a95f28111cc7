/**
 * The Client's configuration: its defaults, how given options merge over them, and what the built-in types
 * are configured with (the pairwise type's bounds and SDS timers come from the Client's config).
 */

import type { BuiltinTypesOptions } from "../conversations/catalog.js";
import { DEFAULT_BUNDLE_POLICY } from "../identity/bundle-keys.js";
import type { ClientConfig, ClientOptions, InvitePolicy } from "./types.js";

/**
 * Accept mode keeps the behaviour before message requests existed, within bounds: 100 invites a minute (a
 * flood costs at most that many conversations per minute), 100 pending requests in request mode.
 */
export const DEFAULT_INVITE_POLICY: InvitePolicy = {
  mode: "accept",
  perWindow: 100,
  windowMs: 60_000,
  maxPending: 100,
  requestTtlMs: 7 * 24 * 3600 * 1000,
  groupControlPerSender: 50,
};

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  bundle: DEFAULT_BUNDLE_POLICY,
  sweepIntervalMs: 5_000,
  resendAfterMs: 30_000,
  maxResendIntervalMs: 30 * 60_000,
  giveUpAfterMs: 7 * 24 * 3600 * 1000,
  maxSends: Number.POSITIVE_INFINITY,
  ackDelayMs: 1_000,
  maxSkip: 1000,
  skippedKeyMaxAgeMs: 7 * 24 * 3600 * 1000,
  rawHints: false,
  invites: DEFAULT_INVITE_POLICY,
  linkHistoryMessages: 50,
};

/** The defaults with what `options` gives (invites may be given in part). */
export function resolveClientConfig(options: ClientOptions): ClientConfig {
  return {
    ...DEFAULT_CLIENT_CONFIG,
    ...options.config,
    invites: { ...DEFAULT_INVITE_POLICY, ...options.config?.invites },
  };
}

/** What the built-in types get from the Client's config (the identity, crypto and clock are the Client's). */
export function builtinTypesOptions(
  config: ClientConfig,
  options: ClientOptions,
  base: Pick<BuiltinTypesOptions, "crypto" | "clock" | "identity">,
): BuiltinTypesOptions {
  return {
    ...base,
    pairwise: {
      maxSkip: config.maxSkip,
      skippedKeyMaxAgeMs: config.skippedKeyMaxAgeMs,
      sds: {
        resendIntervalMs: config.resendAfterMs,
        maxResendIntervalMs: config.maxResendIntervalMs,
        giveUpAfterMs: config.giveUpAfterMs,
        maxResends: Math.max(0, config.maxSends - 1),
        ackDelayMs: config.ackDelayMs,
      },
    },
    groups: options.groups ?? {},
  };
}
