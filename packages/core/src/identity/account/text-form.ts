import { base64urlDecode } from "../../base/bytes.js";

/**
 * The payload bytes of a pasted text form `prefix + base64url`: whitespace anywhere is dropped first (a long
 * code wraps across lines in a terminal or a mail), then the prefix and the strict base64url are checked.
 */
export function textPayload(
  text: string,
  prefix: string,
  maxChars: number,
): "missing-prefix" | "too-long" | "bad-base64" | Uint8Array {
  if (text.length > 4 * maxChars) return "too-long";
  const compact = text.replace(/\s+/g, "");
  if (!compact.startsWith(prefix)) return "missing-prefix";
  if (compact.length > maxChars) return "too-long";
  return base64urlDecode(compact.slice(prefix.length)) ?? "bad-base64";
}
