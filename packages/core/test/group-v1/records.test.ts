/**
 * The group record's key-package joins: typed records since version 3 (`keyPackageJoins`), where versions 1
 * and 2 kept `"kp:<ref>:<epoch>"` strings among `announced`. Old records are read (fixture below, as version 2
 * wrote it) and rewritten in the new form; a joined member's key package is deleted once its join is final,
 * from a record of either version.
 */
import { describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../src/base/bytes.js";
import { releaseFinalJoins } from "../../src/conversations/group-v1/key-packages.js";
import {
  decodeLegacyJoin,
  decodeMeta,
  encodeMeta,
  type GroupMeta,
  KP_NS,
  META_VERSION,
  metaKey,
  NS,
} from "../../src/conversations/group-v1/records.js";
import { createGroup, type MapStore, Net } from "./harness.js";

const EPOCH_ID = "0f".repeat(16);
const REF = "ab".repeat(32);

/** A version-2 record as that version's engine wrote it (JSON, bigints as {"$big"}), joined by Welcome. */
const V2_FIXTURE = `{"version":2,"conversationId":"${"cd".repeat(16)}","suite":3,"self":"${"01".repeat(32)}",\
"status":"active","head":"${EPOCH_ID}","nodes":[{"id":"${EPOCH_ID}","parent":"","epoch":{"$big":"3"},"removed":false,\
"committer":"${"02".repeat(32)}","rev":"a1.0"}],"confirmed":[],"intents":[],"outbox":[],"seen":[],"commits":[],\
"echoes":[],"lamport":1,"recent":[],"missing":[],"leaving":[],"lastRecovery":0,\
"announced":["kp:${REF}:3","${EPOCH_ID}","kp:${REF}:7","kp:not-hex:1","kp:${REF}:"],"createdAt":5}`;

describe("key-package joins in the group record", () => {
  it("a version-2 record is read: its kp strings become typed joins, the epoch ids stay announced", () => {
    const meta = decodeMeta(utf8(V2_FIXTURE))!;
    expect(meta.version).toBe(META_VERSION);
    expect(META_VERSION).toBe(4);
    expect(meta.announced).toEqual([EPOCH_ID]);
    // The malformed entries were never released by version 2 either (its regex did not match them).
    expect(meta.keyPackageJoins).toEqual([
      { ref: REF, epoch: 3n },
      { ref: REF, epoch: 7n },
    ]);
    // Written back in the new form: typed records, no strings to parse.
    const json = JSON.parse(fromUtf8(encodeMeta(meta))!);
    expect(json.version).toBe(4);
    expect(json.announced).toEqual([EPOCH_ID]);
    expect(json.keyPackageJoins).toEqual([
      { ref: REF, epoch: { $big: "3" } },
      { ref: REF, epoch: { $big: "7" } },
    ]);
    expect(decodeMeta(encodeMeta(meta))).toEqual(meta);
  });

  it("a version-4 record round-trips; a malformed join or an unknown version is refused, not guessed at", () => {
    const meta = decodeMeta(utf8(V2_FIXTURE))!;
    const bytes = encodeMeta(meta);
    expect(decodeMeta(bytes)).toEqual(meta);
    const json = JSON.parse(fromUtf8(bytes)!);
    const variant = (patch: object) => decodeMeta(utf8(JSON.stringify({ ...json, ...patch })));
    expect(variant({ keyPackageJoins: [{ ref: REF, epoch: 3 }] })).toBeUndefined(); // a number, not a bigint
    expect(variant({ keyPackageJoins: [{ ref: "XY", epoch: { $big: "3" } }] })).toBeUndefined();
    expect(variant({ keyPackageJoins: [null] })).toBeUndefined();
    expect(variant({ keyPackageJoins: undefined })).toBeUndefined();
    expect(variant({ announced: "x" })).toBeUndefined();
    expect(variant({ version: 5 })).toBeUndefined();
    // Version 2 records carry no typed joins: a stray field of that name is not trusted over the strings.
    expect(variant({ version: 2, keyPackageJoins: [{ ref: "ff", epoch: { $big: "1" } }] })?.keyPackageJoins).toEqual(
      [],
    );
  });

  it("decodes the old string form totally", () => {
    expect(decodeLegacyJoin(`kp:${REF}:12`)).toEqual({ ref: REF, epoch: 12n });
    for (const bad of [
      "",
      "kp:",
      "kp::1",
      `kp:${REF}`,
      `kp:${REF}:-1`,
      `kp:${REF}:1:2`,
      `kp:${REF.toUpperCase()}:1`,
      EPOCH_ID,
    ])
      expect(decodeLegacyJoin(bad)).toBeUndefined();
  });

  it("releases a key package only once every join with it is final", () => {
    const joins = [
      { ref: "aa", epoch: 2n },
      { ref: "aa", epoch: 6n },
      { ref: "bb", epoch: 1n },
      { ref: "bb", epoch: 3n },
    ];
    expect(releaseFinalJoins(joins, 4n)).toEqual({ kept: [{ ref: "aa", epoch: 6n }], released: ["bb"] });
    expect(releaseFinalJoins(joins, 1n)).toEqual({ kept: joins, released: [] });
    expect(releaseFinalJoins(joins, 7n)).toEqual({ kept: [], released: ["aa", "bb"] });
  });

  for (const version of [4, 2] as const)
    it(`a joined member's key package is deleted once its join is final (record stored as version ${version})`, async () => {
      const net = new Net(31, { finalityDepth: 2 });
      const [a, b] = [await net.addMember("a"), await net.addMember("b")];
      const cid = await createGroup(a!, [b!]);
      await net.settle();
      const store = b!.store as MapStore;
      const key = `${NS}\u0000${metaKey(cid)}`;
      const stored = decodeMeta(store.data.get(key)!)!;
      expect(stored.keyPackageJoins).toHaveLength(1);
      const join = stored.keyPackageJoins[0]!;
      const kpKey = `${KP_NS}\u0000${join.ref}`;
      expect(store.data.has(kpKey)).toBe(true);
      if (version === 2) {
        const { keyPackageJoins: _typed, ...rest } = JSON.parse(fromUtf8(store.data.get(key)!)!) as GroupMeta;
        const old = { ...rest, version: 2, announced: [...rest.announced, `kp:${join.ref}:${join.epoch}`] };
        store.data.set(key, utf8(JSON.stringify(old)));
      }
      for (let i = 0; i < 4; i++) {
        await a!.run((tx) => a!.engine.setMetadata(tx, cid, { name: `g${i}`, description: "" }));
        await net.settle();
      }
      const written = JSON.parse(fromUtf8(store.data.get(key)!)!);
      expect(written.version).toBe(4);
      expect(written.keyPackageJoins).toEqual([]);
      expect(written.announced.some((x: string) => x.startsWith("kp:"))).toBe(false);
      expect(store.data.has(kpKey)).toBe(false);
    });
});
