/**
 * The data inside every schema fixture (test/fixtures/schema-v<N>[-encrypted].db). Frozen: fixtures that
 * shipped were written from exactly this list, so changing it breaks the fixture tests by design. A future
 * schema version that stores new kinds of data adds its own list next to this one.
 */
export const FIXTURE_KEY = "parley fixture key (not a secret)";
/** The clock value make-fixtures.ts gives migrations. */
export const FIXTURE_TIME = 1_750_000_000_000;

export interface FixtureEntry {
  readonly ns: string;
  readonly key: string;
  readonly value: Uint8Array;
}

const text = (s: string) => new TextEncoder().encode(s);

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

/** Everything a client keeps, in miniature, plus the key shapes that ordering bugs trip over. */
export function fixtureEntries(): FixtureEntry[] {
  const out: FixtureEntry[] = [
    { ns: "identity", key: "self", value: pattern(64, 1) },
    { ns: "bundle", key: "intro/0001", value: pattern(180, 2) },
    { ns: "conversation", key: "c/0f3a", value: text('{"type":"private-v1","peer":"alice"}') },
    { ns: "ratchet", key: "c/0f3a", value: pattern(512, 3) },
    { ns: "skipped", key: "c/0f3a/00000007", value: pattern(32, 4) },
    { ns: "sds", key: "c/0f3a/clock", value: text("42") },
    { ns: "delivery", key: "m/0001", value: text("acked") },
    { ns: "history", key: "c/0f3a/big", value: pattern(20_000, 5) },
    { ns: "edge", key: "", value: new Uint8Array(0) },
    { ns: "edge", key: "\u0000", value: text("nul") },
    { ns: "edge", key: "a%_\\", value: text("like") },
    { ns: "edge", key: "\u00e9", value: text("e-acute") },
    { ns: "edge", key: "\ud83d\ude00", value: text("astral") },
    { ns: "edge", key: "\ue000", value: text("private use") },
    { ns: "edge", key: "\uffff", value: text("max unit") },
    { ns: "edge", key: "\ud800", value: text("lone surrogate") },
    { ns: "ns with spaces/and\u00fcnicode", key: "k", value: text("ns") },
  ];
  for (let i = 0; i < 300; i++) {
    out.push({ ns: "history", key: `c/0f3a/${String(i).padStart(6, "0")}`, value: pattern(40 + (i % 60), i) });
  }
  return out;
}

/** Written and then deleted when the fixture was made: must be absent. */
export const FIXTURE_DELETED: readonly { ns: string; key: string }[] = [
  { ns: "skipped", key: "c/0f3a/00000003" },
  { ns: "history", key: "c/0f3a/gone" },
];
