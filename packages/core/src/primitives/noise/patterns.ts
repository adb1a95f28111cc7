/**
 * Noise handshake patterns as data (Noise spec §7): pre-messages and message token lists, plus the pskN
 * modifier (§9). HandshakeState interprets these tables; adding a pattern is adding a row. A pattern parsed
 * from a protocol name carries that name's suite (suite.ts).
 */
import { NoiseError } from "./errors.js";
import { DEFAULT_NOISE_SUITE, type NoiseSuite, parseSuite } from "./suite.js";

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
  /** The cipher and hash functions; DEFAULT_NOISE_SUITE (25519_ChaChaPoly_BLAKE2b) when absent. */
  readonly suite?: NoiseSuite;
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
 * The 23 deferred patterns (Noise spec §7.5): a "1" after a side's letter defers that side's authentication
 * DH (es/se) to its next message.
 */
export const DEFERRED_PATTERNS: Readonly<Record<string, HandshakePattern>> = {
  NK1: pattern("NK1", [], ["s"], [["e"], ["e", "ee", "es"]]),
  NX1: pattern("NX1", [], [], [["e"], ["e", "ee", "s"], ["es"]]),
  X1N: pattern("X1N", [], [], [["e"], ["e", "ee"], ["s"], ["se"]]),
  X1K: pattern("X1K", [], ["s"], [["e", "es"], ["e", "ee"], ["s"], ["se"]]),
  XK1: pattern("XK1", [], ["s"], [["e"], ["e", "ee", "es"], ["s", "se"]]),
  X1K1: pattern("X1K1", [], ["s"], [["e"], ["e", "ee", "es"], ["s"], ["se"]]),
  X1X: pattern("X1X", [], [], [["e"], ["e", "ee", "s", "es"], ["s"], ["se"]]),
  XX1: pattern("XX1", [], [], [["e"], ["e", "ee", "s"], ["es", "s", "se"]]),
  X1X1: pattern("X1X1", [], [], [["e"], ["e", "ee", "s"], ["es", "s"], ["se"]]),
  K1N: pattern("K1N", ["s"], [], [["e"], ["e", "ee"], ["se"]]),
  K1K: pattern("K1K", ["s"], ["s"], [["e", "es"], ["e", "ee"], ["se"]]),
  KK1: pattern("KK1", ["s"], ["s"], [["e"], ["e", "ee", "se", "es"]]),
  K1K1: pattern("K1K1", ["s"], ["s"], [["e"], ["e", "ee", "es"], ["se"]]),
  K1X: pattern("K1X", ["s"], [], [["e"], ["e", "ee", "s", "es"], ["se"]]),
  KX1: pattern("KX1", ["s"], [], [["e"], ["e", "ee", "se", "s"], ["es"]]),
  K1X1: pattern("K1X1", ["s"], [], [["e"], ["e", "ee", "s"], ["se", "es"]]),
  I1N: pattern("I1N", [], [], [["e", "s"], ["e", "ee"], ["se"]]),
  I1K: pattern("I1K", [], ["s"], [["e", "es", "s"], ["e", "ee"], ["se"]]),
  IK1: pattern(
    "IK1",
    [],
    ["s"],
    [
      ["e", "s"],
      ["e", "ee", "se", "es"],
    ],
  ),
  I1K1: pattern("I1K1", [], ["s"], [["e", "s"], ["e", "ee", "es"], ["se"]]),
  I1X: pattern("I1X", [], [], [["e", "s"], ["e", "ee", "s", "es"], ["se"]]),
  IX1: pattern("IX1", [], [], [["e", "s"], ["e", "ee", "se", "s"], ["es"]]),
  I1X1: pattern(
    "I1X1",
    [],
    [],
    [
      ["e", "s"],
      ["e", "ee", "s"],
      ["se", "es"],
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

const PATTERNS: Readonly<Record<string, HandshakePattern>> = {
  ...FUNDAMENTAL_PATTERNS,
  ...DEFERRED_PATTERNS,
  XK0: XK0_PATTERN,
};

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

/** A pattern with the suite its protocol name gives. */
export type NoiseProtocol = HandshakePattern & { readonly suite: NoiseSuite };

/**
 * Parses `Noise_<pattern><modifiers>_25519_<ChaChaPoly|AESGCM>_<BLAKE2b|BLAKE2s|SHA256|SHA512>`: the pattern
 * table with its psk modifiers applied, bound to the suite the name ends in.
 */
export function parseProtocolName(protocolName: string): NoiseProtocol {
  const match = /^Noise_([A-Z][A-Z0-9]*?)((?:psk\d+)(?:\+psk\d+)*)?_(.+)$/.exec(protocolName);
  if (match === null) throw new NoiseError("unsupported-protocol", `unsupported Noise protocol ${protocolName}`);
  const suite = parseSuite(match[3]!);
  const base = PATTERNS[match[1]!];
  if (base === undefined) throw new NoiseError("unsupported-protocol", `unknown Noise pattern ${match[1]}`);
  if (match[2] === undefined) return { ...base, suite };
  const positions = match[2].split("+").map((m) => Number.parseInt(m.slice(3), 10));
  return { ...withPskModifiers(base, positions), suite };
}

/** The full protocol name: the pattern's name and its suite's (DEFAULT_NOISE_SUITE when it names none). */
export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_${(pattern.suite ?? DEFAULT_NOISE_SUITE).name}`;
}

export function isPskPattern(pattern: HandshakePattern): boolean {
  return pattern.messages.some((m) => m.includes("psk"));
}
