/**
 * One writer per profile across tabs and windows: a Web Lock named after the profile, held for as long as
 * the store is open. The browser releases it when the holding tab closes or navigates away, so a crashed
 * tab never leaves a profile locked. A second opener does not wait: it fails at once with "locked".
 */
import { IdbStoreError } from "./errors.js";

export interface ProfileLock {
  release(): void;
}

export async function acquireProfileLock(name: string): Promise<ProfileLock> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks)
    throw new IdbStoreError("unavailable", "this browser has no Web Locks API: the profile cannot be held by one tab");
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const acquired = await new Promise<boolean>((resolve, reject) => {
    locks
      .request(`parley-profile:${name}`, { mode: "exclusive", ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Holding the callback's promise holds the lock.
        return lock === null ? undefined : held;
      })
      .catch(reject);
  });
  if (!acquired)
    throw new IdbStoreError(
      "locked",
      `the profile "${name}" is already open in another tab or window; close it there (or use another profile)`,
    );
  return { release };
}
