/**
 * GroupV1's framework state record: only when the group is next due (due.ts), since everything else the group
 * keeps lives in its own records. Version 1: one byte 1, then the time as a big-endian float64 (Unix ms;
 * Infinity: not until a step changes it).
 */

export interface GroupDueState {
  /** Unix ms; Infinity: nothing due until a step changes the group. */
  readonly at: number;
}

const VERSION = 1;

export function encodeDueState(state: GroupDueState): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = VERSION;
  new DataView(out.buffer).setFloat64(1, state.at);
  return out;
}

/**
 * Total. A record this version does not read (groups before it wrote an empty one, if any) is due at once:
 * the wake that follows writes a current one, so an unreadable record costs one wake, never a lost timer.
 */
export function decodeDueState(bytes: Uint8Array): GroupDueState {
  if (bytes.length !== 9 || bytes[0] !== VERSION) return { at: 0 };
  const at = new DataView(bytes.buffer, bytes.byteOffset, 9).getFloat64(1);
  return { at: Number.isNaN(at) ? 0 : at };
}
