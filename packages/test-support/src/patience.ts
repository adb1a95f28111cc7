/**
 * How long tests wait. A test waits for an event (a line from a child process, a screen, a message, an exit)
 * or a condition, never for a length of time; these caps only decide when a run is declared hung. They are
 * far above what a loaded machine needs (CI may run two suites side by side on two cores, several times
 * slower than an idle run), so reaching one means something is stuck, not slow.
 */
export const HUNG_AFTER_MS = 120_000;
/** vitest's timeout for a test that spawns processes or runs several such waits in a row. */
export const TEST_CAP_MS = 600_000;
/**
 * A wait for a process that is making progress (messages still arriving, states still changing) fails only
 * after this long without any progress, however long it takes in all.
 */
export const STALLED_AFTER_MS = 180_000;

/** Re-checks `check` until it holds, for conditions that no event announces; throws after HUNG_AFTER_MS. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, everyMs = 50): Promise<void> {
  const deadline = Date.now() + HUNG_AFTER_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${HUNG_AFTER_MS} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
