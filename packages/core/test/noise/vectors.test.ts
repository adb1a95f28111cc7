import { readFileSync } from "node:fs";
import {
  type CipherState,
  type CryptoProvider,
  HandshakeState,
  NobleCryptoProvider,
  parseProtocolName,
  toHex,
  type X25519KeyPair,
} from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { describe, expect, it } from "vitest";

interface Vector {
  readonly fields: Map<string, string>;
  readonly messages: { payload: string; ciphertext: string }[];
}

/** Parses flynn/noise's vectors.txt format (see test/fixtures/noise/README.md). */
function parseVectors(text: string): Vector[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split("\n")) {
        const eq = line.indexOf("=");
        fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      }
      const messages: Vector["messages"] = [];
      for (let n = 0; fields.has(`msg_${n}_payload`); n++) {
        messages.push({ payload: fields.get(`msg_${n}_payload`)!, ciphertext: fields.get(`msg_${n}_ciphertext`)! });
      }
      return { fields, messages };
    });
}

const text = readFileSync(new URL("../fixtures/noise/noise-25519-chachapoly-blake2b.txt", import.meta.url), "utf8");
const vectors = parseVectors(text);
const bytes = (hex: string | undefined) => (hex === undefined ? undefined : Uint8Array.from(Buffer.from(hex, "hex")));

function keyPair(crypto: CryptoProvider, secretHex: string | undefined): X25519KeyPair | undefined {
  const secretKey = bytes(secretHex);
  return secretKey && { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
}

/** Runs one vector end to end; returns how many messages were checked. */
function runVector(crypto: CryptoProvider, v: Vector): number {
  const pattern = parseProtocolName(v.fields.get("handshake")!);
  const prologue = bytes(v.fields.get("prologue")) ?? new Uint8Array(0);
  const psk = bytes(v.fields.get("preshared_key"));
  const pskCount = pattern.messages.flat().filter((t) => t === "psk").length;
  const psks = psk ? Array.from({ length: pskCount }, () => psk) : [];
  const initStatic = keyPair(crypto, v.fields.get("init_static"));
  const respStatic = keyPair(crypto, v.fields.get("resp_static"));
  const initiator = HandshakeState.initialize(crypto, {
    pattern,
    initiator: true,
    prologue,
    psks,
    ...(initStatic && { s: initStatic }),
    e: keyPair(crypto, v.fields.get("gen_init_ephemeral"))!,
    ...(pattern.responderPre.includes("s") && { rs: respStatic!.publicKey }),
  });
  const responder = HandshakeState.initialize(crypto, {
    pattern,
    initiator: false,
    prologue,
    psks,
    ...(respStatic && { s: respStatic }),
    e: keyPair(crypto, v.fields.get("gen_resp_ephemeral"))!,
    ...(pattern.initiatorPre.includes("s") && { rs: initStatic!.publicKey }),
  });

  let n = 0;
  for (; n < pattern.messages.length; n++) {
    const [writer, reader] = n % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const m = v.messages[n]!;
    const sent = writer.writeMessage(bytes(m.payload)!);
    expect(toHex(sent), `${pattern.name} handshake message ${n}`).toBe(m.ciphertext);
    expect(toHex(reader.readMessage(sent))).toBe(m.payload);
  }
  const i = initiator.result!;
  const r = responder.result!;
  expect(i.handshakeHash).toEqual(r.handshakeHash);
  const channels: [CipherState, CipherState][] = [
    [i.initiatorToResponder, r.initiatorToResponder],
    [r.responderToInitiator, i.responderToInitiator],
  ];
  // Transport messages alternate starting with the initiator (Split()'s first key), whatever the parity of the
  // handshake length: this is how flynn/noise generated the file (checked against its 1- and 3-message patterns).
  const handshakeLength = n;
  for (; n < v.messages.length; n++) {
    const [send, receive] = channels[(n - handshakeLength) % 2]!;
    const m = v.messages[n]!;
    const sent = send.encryptWithAd(new Uint8Array(0), bytes(m.payload)!);
    expect(toHex(sent), `${pattern.name} transport message ${n}`).toBe(m.ciphertext);
    expect(toHex(receive.decryptWithAd(new Uint8Array(0), sent))).toBe(m.payload);
  }
  return v.messages.length;
}

describe("Noise test vectors (flynn/noise, 25519_ChaChaPoly_BLAKE2b)", () => {
  it("the fixture holds all 240 vectors, covering the 15 fundamental patterns", () => {
    expect(vectors).toHaveLength(240);
    const bases = new Set(vectors.map((v) => v.fields.get("handshake")!.replace(/^Noise_([A-Z]+).*$/, "$1")));
    expect([...bases].sort()).toEqual(
      ["IK", "IN", "IX", "K", "KK", "KN", "KX", "N", "NK", "NN", "NX", "X", "XK", "XN", "XX"].sort(),
    );
  });

  for (const crypto of [new NodeCryptoProvider(), new NobleCryptoProvider()]) {
    it(`all 240 vectors pass with the ${crypto.name} provider (handshake and transport messages)`, () => {
      let passed = 0;
      let messages = 0;
      for (const v of vectors) {
        messages += runVector(crypto, v);
        passed++;
      }
      expect(passed).toBe(240);
      expect(messages).toBe(984);
    });
  }
});
