import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Directories made by `tempDir` and not yet removed (so an afterEach removes what a failed test left). */
const made: string[] = [];

/** A fresh directory under the OS temp dir, named `<prefix>XXXXXX`; `removeTempDirs()` deletes it. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Deletes every directory `tempDir` made so far (for afterEach/afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
