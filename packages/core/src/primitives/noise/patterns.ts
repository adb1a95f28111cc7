/**
 * Noise handshake patterns as data (Noise spec §7): pre-messages and message token lists, plus the pskN
 * modifier (§9). HandshakeState interprets these tables; adding a pattern is adding a row.
 */
import { NoiseError } from "./errors.js";

export type Token = "e" | "s" | "ee" | "es" | "se" | "ss" | "psk";
export type PreToken = "e" | "s";

export interface HandshakePattern {
  readonly name: string;
  /** Keys the initiator's pre-message makes known to the responder ("e", "s" or both, in that order). */
  readonly initiatorPre: readonly PreToken[];
  /** Keys the responder's pre-message makes known to the initiator. */
  readonly responderPre: readonly PreToken[];
  /** Messages alternate initiator → responder (index 0, 2, …) and responder → initiator (1, 3, …). */
  readonly messages: readonly (readonly Token[])[];
}

function pattern(
  name: string,
  initiatorPre: PreToken[],
  responderPre: PreToken[],
  messages: Token[][],
): HandshakePattern {
  return { name, initiatorPre, responderPre, messages };
}

/** The 15 fundamental patterns: the one-way N, K, X and the interactive NN … IX. */
export const FUNDAMENTAL_PATTERNS: Readonly<Record<string, HandshakePattern>> = {
  N: pattern("N", [], ["s"], [["e", "es"]]),
  K: pattern("K", ["s"], ["s"], [["e", "es", "ss"]]),
  X: pattern("X", [], ["s"], [["e", "es", "s", "ss"]]),
  NN: pattern("NN", [], [], [["e"], ["e", "ee"]]),
  NK: pattern(
    "NK",
    [],
    ["s"],
    [
      ["e", "es"],
      ["e", "ee"],
    ],
  ),
  NX: pattern("NX", [], [], [["e"], ["e", "ee", "s", "es"]]),
  KN: pattern("KN", ["s"], [], [["e"], ["e", "ee", "se"]]),
  KK: pattern(
    "KK",
    ["s"],
    ["s"],
    [
      ["e", "es", "ss"],
      ["e", "ee", "se"],
    ],
  ),
  KX: pattern("KX", ["s"], [], [["e"], ["e", "ee", "se", "s", "es"]]),
  XN: pattern("XN", [], [], [["e"], ["e", "ee"], ["s", "se"]]),
  XK: pattern(
    "XK",
    [],
    ["s"],
    [
      ["e", "es"],
      ["e", "ee"],
      ["s", "se"],
    ],
  ),
  XX: pattern("XX", [], [], [["e"], ["e", "ee", "s", "es"], ["s", "se"]]),
  IN: pattern(
    "IN",
    [],
    [],
    [
      ["e", "s"],
      ["e", "ee", "se"],
    ],
  ),
  IK: pattern(
    "IK",
    [],
    ["s"],
    [
      ["e", "es", "s", "ss"],
      ["e", "ee", "se"],
    ],
  ),
  IX: pattern(
    "IX",
    [],
    [],
    [
      ["e", "s"],
      ["e", "ee", "se", "s", "es"],
    ],
  ),
};

/**
 * The inbox's one-message pattern, named "XK0" after the Logos inbox spec (specs PR #83) that introduced it:
 *
 *     <- e, s
 *     ...
 *     -> e, ee, es, s, se
 *
 * The responder's bundle publishes an ephemeral and its static key, so the initiator can send its first
 * message 0-RTT: forward secrecy from ee, the responder authenticated by es, the initiator's static key sent
 * encrypted (sender privacy) and authenticated by se. The spec text lists the pre-message keys as `<- s`, `<- e`;
 * Noise only defines the pre-message `e, s` (e hashed before s), which is what this table uses.
 */
export const XK0_PATTERN: HandshakePattern = pattern("XK0", [], ["e", "s"], [["e", "ee", "es", "s", "se"]]);

const PATTERNS: Readonly<Record<string, HandshakePattern>> = { ...FUNDAMENTAL_PATTERNS, XK0: XK0_PATTERN };

/**
 * Applies psk modifiers (§9): psk0 puts a "psk" token at the start of the first message, pskN (N >= 1) at the
 * end of message N.
 */
export function withPskModifiers(base: HandshakePattern, positions: readonly number[]): HandshakePattern {
  const messages = base.messages.map((m) => [...m]);
  for (const n of positions) {
    if (n === 0) messages[0]!.unshift("psk");
    else if (n <= messages.length) messages[n - 1]!.push("psk");
    else throw new NoiseError("unsupported-protocol", `psk${n} is past the last message of ${base.name}`);
  }
  const suffix = positions.map((n) => `psk${n}`).join("+");
  return { ...base, name: base.name + suffix, messages };
}

export const SUITE = "25519_ChaChaPoly_BLAKE2b";

/** Parses `Noise_<pattern><modifiers>_25519_ChaChaPoly_BLAKE2b`; the only suite implemented is that one. */
export function parseProtocolName(protocolName: string): HandshakePattern {
  const match = /^Noise_([A-Z][A-Z0-9]*?)((?:psk\d+)(?:\+psk\d+)*)?_(.+)$/.exec(protocolName);
  if (match === null || match[3] !== SUITE) {
    throw new NoiseError("unsupported-protocol", `unsupported Noise protocol ${protocolName}`);
  }
  const base = PATTERNS[match[1]!];
  if (base === undefined) throw new NoiseError("unsupported-protocol", `unknown Noise pattern ${match[1]}`);
  if (match[2] === undefined) return base;
  const positions = match[2].split("+").map((m) => Number.parseInt(m.slice(3), 10));
  return withPskModifiers(base, positions);
}

export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_${SUITE}`;
}

export function isPskPattern(pattern: HandshakePattern): boolean {
  return pattern.messages.some((m) => m.includes("psk"));
}
