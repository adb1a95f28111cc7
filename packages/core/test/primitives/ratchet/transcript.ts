/**
 * A deterministic Double Ratchet conversation covering every path of `decrypt` (in order, skipped keys, replays,
 * tampering, DH steps with a previous chain to finish, a gap of exactly max_skip, too-far-ahead, expiry), with
 * the serialized states after each step. `fixtures/ratchet/transcript-v1.json` holds what the ratchet of tree
 * 2a5f62f produced for it, so a change to how states are computed or stored shows as a byte difference.
 */
import { type CryptoProvider, NobleCryptoProvider, toHex, utf8 } from "@parley/core";
import { DoubleRatchet, type RatchetMessage, type RatchetState, serializeRatchetState } from "@parley/core/primitives";
import { seededRandom } from "@parley/core/testing";

export interface TranscriptStep {
  readonly step: string;
  /** "ok", or the error code of a refused message. */
  readonly outcome: string;
  readonly plaintext?: string;
  /** SHA-256 of `serializeRatchetState` of the side that acted, after the step. */
  readonly state: string;
  readonly stateLength: number;
}

const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

export function ratchetTranscript(
  make: (crypto: CryptoProvider) => DoubleRatchet = (crypto) => new DoubleRatchet({ crypto }),
): {
  steps: TranscriptStep[];
  /** Alice's state after the first exchange, serialized (small enough to keep whole in the fixture). */
  early: string;
} {
  const crypto = new NobleCryptoProvider({ random: seededRandom("ratchet-transcript") });
  const dr = make(crypto);
  const sk = crypto.randomBytes(32);
  const bobKey = crypto.x25519GenerateKeyPair();
  let a = dr.initSender(sk, bobKey.publicKey);
  let b = dr.initReceiver(sk, bobKey);
  const steps: TranscriptStep[] = [];
  let early = "";
  const record = (step: string, state: RatchetState, outcome: string, plaintext?: Uint8Array) => {
    const bytes = serializeRatchetState(state);
    steps.push({
      step,
      outcome,
      ...(plaintext !== undefined && { plaintext: new TextDecoder().decode(plaintext) }),
      state: toHex(crypto.sha256(bytes)),
      stateLength: bytes.length,
    });
  };
  const send = (from: "a" | "b", label: string, now: number): RatchetMessage => {
    const r = dr.encrypt(from === "a" ? a : b, utf8(label), now);
    if (from === "a") a = r.state;
    else b = r.state;
    record(`${from} sends ${label}`, r.state, "ok");
    return r.message;
  };
  const receive = (to: "a" | "b", label: string, m: RatchetMessage, now: number) => {
    const state = to === "a" ? a : b;
    const r = dr.decrypt(state, m, now);
    if (r.ok) {
      if (to === "a") a = r.state;
      else b = r.state;
      record(`${to} receives ${label}`, r.state, "ok", r.plaintext);
    } else record(`${to} receives ${label}`, state, r.error.code);
  };
  const tamper = (m: RatchetMessage): RatchetMessage => {
    const ciphertext = m.ciphertext.slice();
    ciphertext[20] = ciphertext[20]! ^ 1;
    return { header: m.header, ciphertext };
  };

  let now = T0;
  const later = (ms: number): number => {
    now += ms;
    return now;
  };
  const m = Array.from({ length: 6 }, (_, i) => send("a", `m${i}`, now));
  receive("b", "m0", m[0]!, now);
  receive("b", "m3", m[3]!, later(1000));
  receive("b", "m1", m[1]!, now);
  receive("b", "m5", m[5]!, now);
  receive("b", "m3 again", m[3]!, now);
  receive("b", "m2 tampered", tamper(m[2]!), now);
  const r = Array.from({ length: 3 }, (_, i) => send("b", `r${i}`, later(1000)));
  receive("a", "r2", r[2]!, now);
  receive("a", "r0", r[0]!, now);
  early = toHex(serializeRatchetState(a));
  const n = Array.from({ length: 4 }, (_, i) => send("a", `n${i}`, later(1000)));
  receive("b", "n2 (new key, previous chain finished at pn)", n[2]!, now);
  receive("b", "m4 (skipped on the previous chain)", m[4]!, now);
  receive("b", "n0", n[0]!, now);
  receive("b", "r-chain header as if ours", { header: { ...r[0]!.header }, ciphertext: r[0]!.ciphertext }, now);
  // A gap of exactly max_skip on the current chain, then one past it.
  const burst = (count: number): RatchetMessage[] => {
    const out: RatchetMessage[] = [];
    for (let i = 0; i < count; i++) {
      const e = dr.encrypt(a, utf8(`g${i}`), now);
      a = e.state;
      out.push(e.message);
    }
    record(`a sends ${count}`, a, "ok");
    return out;
  };
  const gap = burst(1000);
  receive("b", "the last of 1000 (a gap of exactly max_skip)", gap.at(-1)!, later(1000));
  const over = burst(1002);
  receive("b", "the last of 1002 (one past max_skip)", over.at(-1)!, now);
  receive("b", "the one before it (max_skip exactly)", over.at(-2)!, now);
  receive("b", "one of the first gap", gap[500]!, now);
  // Expiry: skipped keys older than 7 days are gone.
  receive("b", "g501 after 8 days", gap[501]!, later(8 * DAY));
  // n1's key was the oldest skipped key when the second gap passed max_skipped_keys.
  receive("b", "n1", n[1]!, now);
  // B answers on a new chain; A finishes its receiving chain at pn.
  const s = Array.from({ length: 3 }, (_, i) => send("b", `s${i}`, now));
  receive("a", "s1", s[1]!, now);
  receive("a", "r1 (previous chain)", r[1]!, now);
  receive("a", "s0", s[0]!, now);
  // A new chain whose previous chain has one key left to skip.
  const t = send("a", "t0", now);
  receive("b", "t0", t, now);
  return { steps, early };
}
