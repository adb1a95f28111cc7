// One writer per profile, on Chromium's Web Locks. (Two real tabs: packages/web/test/e2e.)
import { utf8 } from "@parley/core";
import { IdbStore } from "@parley/idb-store";
import { describe, expect, it } from "vitest";

describe("IdbStore in Chromium: one writer per profile", () => {
  it("a second open of the same profile fails at once with 'locked' and a clear message", async () => {
    const name = `lock-${Date.now()}`;
    const first = await IdbStore.open({ name });
    const err = await IdbStore.open({ name }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "locked" });
    expect((err as Error).message).toContain("already open in another tab");
    // The refused opener wrote nothing and the holder still works.
    await first.commit([{ op: "put", ns: "a", key: "k", value: utf8("v") }]);
    expect(await first.get("a", "k")).toEqual(utf8("v"));
    await first.close();
    const second = await IdbStore.open({ name });
    expect(await second.get("a", "k")).toEqual(utf8("v"));
    await second.close();
  });

  it("another profile in the same origin opens alongside", async () => {
    const a = await IdbStore.open({ name: `lock-a-${Date.now()}` });
    const b = await IdbStore.open({ name: `lock-b-${Date.now()}` });
    await Promise.all([a.close(), b.close()]);
  });

  it("a refused open with a wrong passphrase releases the lock", async () => {
    const name = `lock-pw-${Date.now()}`;
    await (await IdbStore.open({ name, passphrase: "right", iterations: 1000 })).close();
    await expect(IdbStore.open({ name, passphrase: "wrong" })).rejects.toMatchObject({ code: "wrong-passphrase" });
    await (await IdbStore.open({ name, passphrase: "right" })).close();
  });
});
