/**
 * AccountDirectV1's runtime beside GroupV1's in one registry: each control frame reaches the type of the group
 * it names (an 'ad' id of 34 characters: AccountDirectV1; anything else, undecodable bytes included: GroupV1, the
 * default consumer), so GroupV1's frames keep their bytes and their consumer.
 */
import { Registry } from "@parley/core";
import { describe, expect, it } from "vitest";
import { accountTypes, builtinTypes } from "../../src/conversations/catalog.js";
import { createAccountKey } from "../../src/identity/account/account-key.js";
import { signDeviceList } from "../../src/identity/account/device-list.js";
import { create, GroupControlFrameSchema, toBinary } from "../../src/wire/index.js";
import { crypto } from "../group-v1/harness.js";

type Control = Parameters<typeof create<typeof GroupControlFrameSchema>>[1] extends infer I
  ? I extends { control?: infer C }
    ? C
    : never
  : never;

const frame = (control: Control) => toBinary(GroupControlFrameSchema, create(GroupControlFrameSchema, { control }));
const AD = `ad${"1".repeat(32)}`;
const G = "0".repeat(32);

function frames(cid: string): Uint8Array[] {
  return [
    frame({ case: "keyPackageRequest", value: { requestId: `${cid}:77`, conversationId: cid, cipherSuite: 1 } }),
    frame({ case: "keyPackageResponse", value: { requestId: `${cid}:77`, keyPackage: new Uint8Array([1]) } }),
    frame({ case: "welcome", value: { conversationId: cid, welcome: new Uint8Array([2]) } }),
    frame({ case: "rewelcomeRequest", value: { conversationId: cid, keyPackage: new Uint8Array([3]) } }),
  ];
}

describe("AccountDirectV1 runtime: control routing beside GroupV1", () => {
  it("routes each frame to the type of the group it names; the rest to GroupV1", async () => {
    const identity = crypto.x25519GenerateKeyPair();
    const clock = { now: () => 1_000 };
    const base = { crypto, clock, identity, pairwise: {}, groups: {} };
    const key = createAccountKey(crypto);
    const list = signDeviceList(crypto, key, 1n, [{ installationKey: identity.publicKey, name: "d1", addedAt: 1 }]);
    const registry = new Registry();
    for (const t of await builtinTypes(base)) registry.register(t);
    for (const t of await accountTypes(base, { accountKey: key.publicKey, ownList: () => list })) registry.register(t);
    for (const f of frames(AD)) expect(registry.controlConsumer(f)?.spec.name).toBe("AccountDirectV1");
    for (const f of frames(G)) expect(registry.controlConsumer(f)?.spec.name).toBe("GroupV1");
    // AccountSelfV1's groups (tag 0xA5) beside them: its frames reach it, and only its own.
    for (const f of frames(`a5${"1".repeat(32)}`)) expect(registry.controlConsumer(f)?.spec.name).toBe("AccountSelfV1");
    for (const f of frames(`a5${"1".repeat(30)}`)) expect(registry.controlConsumer(f)?.spec.name).toBe("GroupV1");
    expect(registry.starter("self")?.spec.name).toBe("AccountSelfV1");
    // An 'ad' prefix alone is not this type's id (a GroupV1 id may start with "ad"); nor are other lengths.
    for (const f of [...frames(`ad${"1".repeat(30)}`), ...frames(`${AD}0`), ...frames(AD.toUpperCase())])
      expect(registry.controlConsumer(f)?.spec.name).toBe("GroupV1");
    for (const junk of [new Uint8Array([0xff, 0xff]), new Uint8Array(0), frame({ case: undefined })])
      expect(registry.controlConsumer(junk)?.spec.name).toBe("GroupV1");
    expect(registry.starter("account")?.spec.name).toBe("AccountDirectV1");
    expect(registry.starter("group")?.spec.name).toBe("GroupV1");
  });
});
