/**
 * Receipts: for each recent payload opened, 8 bytes naming its ciphertext (the end of its Poly1305 tag, unique
 * per message key and nonce) and, for a content message, its 16-byte SDS id, packed oldest first. A resend of
 * a message we opened is a replay the ratchet refuses; its receipt names the SDS id to acknowledge again.
 * Sync messages (acknowledgements) get a receipt too, with `NO_ACK` for an id: a copy of one (a catch-up that
 * reaches back further than the last message held) is then a replay, not a payload whose chain the ratchet
 * no longer remembers (32 finished chains: with both sides sending, one or two messages per chain).
 */
import { fromHex, toHex } from "../../base/bytes.js";

/** Ciphertexts of recently received messages remembered to recognise a resend of one. */
export const MAX_RECEIPTS = 1000;

/** The id of a receipt for a payload that owes no acknowledgement when it comes again (a sync message). */
export const NO_ACK = "0".repeat(32);

const RECEIPT_TAG = 8;
const RECEIPT_ID = 16;
/** Bytes of one receipt. */
export const RECEIPT = RECEIPT_TAG + RECEIPT_ID;

/**
 * Receipts made by `rememberReceipt`, with the receipts they extend and how many of the oldest they dropped:
 * what lets work-records.ts write one receipt record (and delete the dropped ones) instead of them all.
 */
export const receiptLinks = new WeakMap<Uint8Array, { readonly from: Uint8Array; readonly dropped: number }>();

/**
 * How far each receipts buffer this module allocated is written. Receipts are views into such a buffer; a view
 * that ends where the buffer is written so far is extended in place (the bytes past its end belong to no
 * other view, and the view itself never changes), so a receive appends 24 bytes instead of copying up to
 * 24 KB. A view that is not the last one of its buffer (an older state) is copied, as are receipts read from
 * elsewhere.
 */
const written = new WeakMap<ArrayBufferLike, number>();

export function rememberReceipt(receipts: Uint8Array, ciphertext: Uint8Array, sdsId: string): Uint8Array {
  const id = fromHex(sdsId);
  if (!id || id.length !== RECEIPT_ID || ciphertext.length < RECEIPT_TAG) return receipts;
  const keep = Math.min(receipts.length, (MAX_RECEIPTS - 1) * RECEIPT);
  const end = receipts.byteOffset + receipts.length;
  let out: Uint8Array;
  if (written.get(receipts.buffer) === end && end + RECEIPT <= receipts.buffer.byteLength)
    out = new Uint8Array(receipts.buffer, end - keep, keep + RECEIPT);
  else {
    // Room for as many again (up to twice the bound), so copies are rare: amortised, a receive copies 24 bytes.
    const room = Math.min(2 * MAX_RECEIPTS, Math.max(4, 2 * (keep / RECEIPT + 1))) * RECEIPT;
    out = new Uint8Array(Math.max(room, keep + RECEIPT)).subarray(0, keep + RECEIPT);
    out.set(receipts.subarray(receipts.length - keep), 0);
  }
  out.set(ciphertext.subarray(ciphertext.length - RECEIPT_TAG), keep);
  out.set(id, keep + RECEIPT_TAG);
  written.set(out.buffer, out.byteOffset + out.length);
  receiptLinks.set(out, { from: receipts, dropped: (receipts.length - keep) / RECEIPT });
  return out;
}

export function findReceipt(receipts: Uint8Array, ciphertext: Uint8Array): string | undefined {
  if (ciphertext.length < RECEIPT_TAG) return undefined;
  const tag = ciphertext.subarray(ciphertext.length - RECEIPT_TAG);
  outer: for (let at = receipts.length - RECEIPT; at >= 0; at -= RECEIPT) {
    for (let i = 0; i < RECEIPT_TAG; i++) if (receipts[at + i] !== tag[i]) continue outer;
    return toHex(receipts.subarray(at + RECEIPT_TAG, at + RECEIPT));
  }
  return undefined;
}
