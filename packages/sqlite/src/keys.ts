/**
 * Keys are stored as UTF-16BE blobs. SQLite compares blobs with memcmp, and memcmp over big-endian code units
 * is exactly JavaScript's string order (UTF-16 code units), for every string: astral characters, characters
 * above U+E000 and even lone surrogates sort and round-trip as they do in a Map-based store. (UTF-8 TEXT would
 * order U+E000..U+FFFF after astral characters and would replace lone surrogates.) A string prefix is a byte
 * prefix of the encoding, so prefix scans become byte ranges.
 */
export function encodeKey(key: string): Buffer {
  return Buffer.from(key, "utf16le").swap16();
}

export function decodeKey(bytes: Uint8Array): string {
  // Copy: swap16 works in place and the caller's buffer must stay intact.
  return Buffer.from(bytes).swap16().toString("utf16le");
}

/** The smallest byte string greater than every string starting with `prefix`, or undefined if none exists. */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = prefix[i]! + 1;
      return end;
    }
  }
  return undefined;
}
