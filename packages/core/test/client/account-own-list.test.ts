/**
 * A linked device's own account record follows the account: a device linked or revoked on the primary after it
 * was linked reaches its record through a sibling's commit (the lists travel in every commit of the account's
 * groups; the type's book takes the newer one and hands it over). Before, `info()` (parley chat's /devices) and
 * the address of a linked device kept the list it was linked with for ever.
 */
import { describe, expect, it } from "vitest";
import { NobleCryptoProvider } from "../../src/crypto/index.js";
import { parseAccountAddress } from "../../src/identity/account/address.js";
import { linkDevice, type Peer, setup } from "./group-world.js";

const crypto = new NobleCryptoProvider();

async function seen(p: Peer): Promise<{ version: bigint | undefined; devices: string[] }> {
  const info = await p.client.account.info();
  return { version: info?.version, devices: (info?.devices ?? []).map((d) => d.installationKey).sort() };
}

const keys = (...ps: Peer[]) => ps.map((p) => p.client.installationKey).sort();

describe("a linked device's own list", () => {
  it("takes a device linked after it and a revocation on the primary, keeps them across a restart", async () => {
    const w = setup("account-own-list");
    const [p, l1, l2] = [await w.peer("p"), await w.peer("l1"), await w.peer("l2")];
    await p.client.account.create();
    await linkDevice(w, p, l1);
    await w.run(30_000);
    expect(await seen(l1)).toEqual({ version: 2n, devices: keys(p, l1) });

    await linkDevice(w, p, l2);
    await w.until("l1 lists l2", async () => (await seen(l1)).devices.length === 3);
    expect(await seen(l1)).toEqual({ version: 3n, devices: keys(p, l1, l2) });
    const address = parseAccountAddress(crypto, await l1.client.account.address());
    expect(address.ok && address.value.deviceList.list.version).toBe(3n);

    await p.client.account.removeDevice(Uint8Array.from(Buffer.from(l2.client.installationKey, "hex")));
    await w.until("l1 no longer lists l2", async () => (await seen(l1)).devices.length === 2);
    expect(await seen(l1)).toEqual({ version: 4n, devices: keys(p, l1) });
    // The revoked device is not made to adopt a list without itself.
    expect((await seen(l2)).devices).toContain(l2.client.installationKey);

    await w.stop(l1);
    await w.reopen(l1);
    expect(await seen(l1)).toEqual({ version: 4n, devices: keys(p, l1) });
  });
});
