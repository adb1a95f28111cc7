/**
 * AccountGroupV1's runtime beside GroupV1's and AccountDirectV1's in one registry: each control frame reaches
 * the type of the group it names ('a6' ids of 34 characters: AccountGroupV1; 'ad': AccountDirectV1; anything
 * else: GroupV1, the default consumer); it starts `account-group` requests and refuses GroupV1's per-device
 * commands (a device is added or removed with its account).
 */
import { Registry } from "@parley/core";
import { describe, expect, it } from "vitest";
import { accountTypes, builtinTypes } from "../../src/conversations/catalog.js";
import { createAccountKey } from "../../src/identity/account/account-key.js";
import { signDeviceList } from "../../src/identity/account/device-list.js";
import { create, GroupControlFrameSchema, toBinary } from "../../src/wire/index.js";
import { crypto } from "../group-v1/harness.js";

function frames(cid: string): Uint8Array[] {
  const f = (control: NonNullable<Parameters<typeof create<typeof GroupControlFrameSchema>>[1]>["control"]) =>
    toBinary(GroupControlFrameSchema, create(GroupControlFrameSchema, { control }));
  return [
    f({ case: "keyPackageRequest", value: { requestId: `${cid}:5`, conversationId: cid, cipherSuite: 1 } }),
    f({ case: "keyPackageResponse", value: { requestId: `${cid}:5`, keyPackage: new Uint8Array([1]) } }),
    f({ case: "welcome", value: { conversationId: cid, welcome: new Uint8Array([2]) } }),
    f({ case: "rewelcomeRequest", value: { conversationId: cid, keyPackage: new Uint8Array([3]) } }),
  ];
}

async function registry(): Promise<Registry> {
  const identity = crypto.x25519GenerateKeyPair();
  const base = { crypto, clock: { now: () => 1_000 }, identity, pairwise: {}, groups: {} };
  const key = createAccountKey(crypto);
  const list = signDeviceList(crypto, key, 1n, [{ installationKey: identity.publicKey, name: "d1", addedAt: 1 }]);
  const r = new Registry();
  for (const t of await builtinTypes(base)) r.register(t);
  for (const t of await accountTypes(base, { accountKey: key.publicKey, ownList: () => list })) r.register(t);
  return r;
}

describe("AccountGroupV1 runtime: control routing beside GroupV1 and AccountDirectV1", () => {
  it("routes each frame to the type of the group it names", async () => {
    const r = await registry();
    const consumer = (f: Uint8Array) => r.controlConsumer(f)?.spec.name;
    for (const f of frames(`a6${"1".repeat(32)}`)) expect(consumer(f)).toBe("AccountGroupV1");
    for (const f of frames(`ad${"1".repeat(32)}`)) expect(consumer(f)).toBe("AccountDirectV1");
    for (const f of frames("a6".padEnd(32, "0"))) expect(consumer(f)).toBe("GroupV1");
    for (const f of [...frames(`a6${"1".repeat(31)}`), ...frames(`A6${"1".repeat(32)}`)])
      expect(consumer(f)).toBe("GroupV1");
    expect(consumer(new Uint8Array([0xff]))).toBe("GroupV1");
    expect(r.starter("account-group")?.spec.name).toBe("AccountGroupV1");
    expect(r.starter("account")?.spec.name).toBe("AccountDirectV1");
    expect(r.starter("group")?.spec.name).toBe("GroupV1");
  });
});
