/**
 * How long these tests wait. They wait for events (a line, a screen, an exit), never for a length of time;
 * these caps only decide when a run is declared hung, far above what a loaded machine needs (CI may run two
 * suites side by side on two cores, several times slower than an idle run), so reaching one means something
 * is stuck, not slow.
 */
export const HUNG_AFTER_MS = 120_000;
/** vitest's timeout for a test that spawns processes and runs several such waits in a row. */
export const TEST_CAP_MS = 600_000;
