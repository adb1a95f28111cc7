// IdbStore's own promises beyond the Store contract: encryption at rest, passphrase handling, format guard.
// Web Locks (one writer per profile) need a browser: test/browser/lock.spec.ts runs them in Chromium.
import "fake-indexeddb/auto";
import { utf8 } from "@parley/core";
import { IdbStore, IdbStoreError } from "@parley/idb-store";
import { openDB } from "idb";
import { describe, expect, it } from "vitest";

let n = 0;
const fresh = () => `unit-${n++}`;
const put = (ns: string, key: string, text: string) => ({ op: "put" as const, ns, key, value: utf8(text) });

/** Every raw value in the profile's database, as IndexedDB holds it. */
async function rawEntries(name: string): Promise<{ key: [string, string]; value: Uint8Array }[]> {
  const db = await openDB(`parley:${name}`);
  const tx = db.transaction("entries");
  const keys = (await tx.store.getAllKeys()) as [string, string][];
  const values = (await tx.store.getAll()) as Uint8Array[];
  db.close();
  return keys.map((key, i) => ({ key, value: values[i]! }));
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe("IdbStore encryption at rest", () => {
  it("stores no plaintext value, and reads back what was written", async () => {
    const name = fresh();
    const store = await IdbStore.open({ name, passphrase: "pw one", iterations: 1000, lock: false });
    expect(store.encrypted).toBe(true);
    await store.commit([put("history", "m1", "meet me at the harbour at nine")]);
    await store.close();
    const raw = await rawEntries(name);
    expect(raw).toHaveLength(1);
    expect(contains(raw[0]!.value, utf8("harbour"))).toBe(false);
    expect(raw[0]!.value.length).toBe(12 + utf8("meet me at the harbour at nine").length + 16);
    const again = await IdbStore.open({ name, passphrase: "pw one", lock: false });
    expect(await again.get("history", "m1")).toEqual(utf8("meet me at the harbour at nine"));
    await again.close();
  });

  it("a wrong passphrase is refused with a typed error and changes nothing", async () => {
    const name = fresh();
    const store = await IdbStore.open({ name, passphrase: "right", iterations: 1000, lock: false });
    await store.commit([put("a", "k", "v")]);
    await store.close();
    const before = await rawEntries(name);
    await expect(IdbStore.open({ name, passphrase: "wrong", lock: false })).rejects.toMatchObject({
      code: "wrong-passphrase",
    });
    await expect(IdbStore.open({ name, lock: false })).rejects.toMatchObject({ code: "passphrase-required" });
    expect(await rawEntries(name)).toEqual(before);
  });

  it("a plaintext profile refuses a passphrase instead of mixing plain and encrypted values", async () => {
    const name = fresh();
    const store = await IdbStore.open({ name, lock: false });
    expect(store.encrypted).toBe(false);
    await store.commit([put("a", "k", "v")]);
    await store.close();
    const err = await IdbStore.open({ name, passphrase: "late", lock: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdbStoreError);
    expect((err as IdbStoreError).code).toBe("not-encrypted");
  });

  it("a value moved to another key or namespace no longer decrypts (its place is authenticated)", async () => {
    const name = fresh();
    const store = await IdbStore.open({ name, passphrase: "pw", iterations: 1000, lock: false });
    await store.commit([put("state", "alice", "alice's ratchet"), put("state", "bob", "bob's ratchet")]);
    await store.close();
    const db = await openDB(`parley:${name}`);
    const alice = await db.get("entries", ["state", "alice"]);
    await db.put("entries", alice, ["state", "bob"]);
    await db.put("entries", alice, ["other", "alice"]);
    db.close();
    const reopened = await IdbStore.open({ name, passphrase: "pw", lock: false });
    expect(await reopened.get("state", "alice")).toEqual(utf8("alice's ratchet"));
    await expect(reopened.get("state", "bob")).rejects.toMatchObject({ code: "corrupt" });
    await expect(reopened.get("other", "alice")).rejects.toMatchObject({ code: "corrupt" });
    await reopened.close();
  });

  it("a database from a newer format is refused, not rewritten", async () => {
    const name = fresh();
    (await IdbStore.open({ name, lock: false })).close();
    const db = await openDB(`parley:${name}`);
    await db.put("meta", { version: 99 }, "format");
    db.close();
    await expect(IdbStore.open({ name, lock: false })).rejects.toMatchObject({ code: "newer-format" });
  });

  it("bad options and use after close get typed errors", async () => {
    await expect(IdbStore.open({ name: "" })).rejects.toMatchObject({ code: "invalid-options" });
    await expect(IdbStore.open({ name: fresh(), iterations: 0, lock: false })).rejects.toMatchObject({
      code: "invalid-options",
    });
    const store = await IdbStore.open({ name: fresh(), lock: false });
    await store.close();
    await expect(store.get("a", "b")).rejects.toMatchObject({ code: "store-closed" });
    await expect(store.commit([put("a", "b", "c")])).rejects.toMatchObject({ code: "store-closed" });
  });

  it("without Web Locks the store refuses to open unless told this runtime has none", async () => {
    await expect(IdbStore.open({ name: fresh() })).rejects.toMatchObject({ code: "unavailable" });
  });
});
