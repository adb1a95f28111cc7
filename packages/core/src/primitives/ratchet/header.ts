/**
 * The ratchet message header and its wire form. The AEAD binds the header through libchat's 40-byte AAD,
 * optionally prefixed by caller-chosen associated data (channel binding); the prefix is empty for libchat.
 */
import { concatBytes, u32be } from "../../base/bytes.js";
import { create, type Doubleratchet, DoubleratchetSchema } from "../../wire/index.js";

export interface RatchetHeader {
  /** The sender's current ratchet public key (32 bytes, X25519). */
  readonly dh: Uint8Array;
  /** Message number in the sending chain. */
  readonly n: number;
  /** Length of the sender's previous sending chain. */
  readonly pn: number;
}

/** A ratchet message as it travels: header plus nonce(12) || ChaCha20-Poly1305 ciphertext || tag(16). */
export interface RatchetMessage {
  readonly header: RatchetHeader;
  readonly ciphertext: Uint8Array;
}

export const RATCHET_NONCE_LENGTH = 12;
export const RATCHET_TAG_LENGTH = 16;

/** AAD = associatedData || dh(32) || n (u32 BE) || pn (u32 BE). */
export function headerAad(header: RatchetHeader, associatedData?: Uint8Array): Uint8Array {
  return concatBytes(associatedData ?? new Uint8Array(0), header.dh, u32be(header.n), u32be(header.pn));
}

/** The `logoschat.encryption.Doubleratchet` proto for a ratchet message (aux stays empty, as libchat). */
export function toDoubleratchetProto(message: RatchetMessage): Doubleratchet {
  return create(DoubleratchetSchema, {
    dh: message.header.dh,
    msgNum: message.header.n,
    prevChainLen: message.header.pn,
    ciphertext: message.ciphertext,
  });
}

/** The ratchet message inside a decoded `Doubleratchet` proto; field checks happen in `decrypt`. */
export function fromDoubleratchetProto(proto: Doubleratchet): RatchetMessage {
  return { header: { dh: proto.dh, n: proto.msgNum, pn: proto.prevChainLen }, ciphertext: proto.ciphertext };
}
