/**
 * How long these tests wait. They wait for events and conditions, never for a length of time; these caps only
 * decide when a run is declared hung, far above what a loaded machine needs (CI may run two suites side by
 * side on two cores), so reaching one means something is stuck, not slow.
 */
export const HUNG_AFTER_MS = 120_000;
/**
 * A wait for a process that is making progress (messages still arriving, states still changing) fails only
 * after this long without any progress, however long it takes in all.
 */
export const STALLED_AFTER_MS = 180_000;
