/**
 * The two public Noise vector formats in test/fixtures/noise (see its README), read into one shape, and a
 * runner that plays a vector through two HandshakeStates and their transport CipherStates.
 */
import { readFileSync } from "node:fs";
import { type CryptoProvider, toHex, type X25519KeyPair } from "@parley/core";
import { type CipherState, HandshakeState, parseProtocolName } from "@parley/core/primitives";
import { expect } from "vitest";

export interface NoiseVector {
  readonly protocolName: string;
  readonly initPrologue: Uint8Array;
  readonly respPrologue: Uint8Array;
  /** One PSK per psk token, in order. */
  readonly initPsks: readonly Uint8Array[];
  readonly respPsks: readonly Uint8Array[];
  readonly initStatic?: Uint8Array;
  readonly respStatic?: Uint8Array;
  readonly initEphemeral: Uint8Array;
  readonly respEphemeral?: Uint8Array;
  readonly handshakeHash?: string;
  readonly messages: readonly { readonly payload: string; readonly ciphertext: string }[];
  /**
   * Who sends transport message i (counted over all messages): flynn/noise alternates starting with the
   * initiator after the handshake; cacophony uses the parity of i, and the initiator only for one-way patterns.
   */
  readonly transport: "alternate-after-handshake" | "by-index";
}

const bytes = (hex: string | undefined) => (hex === undefined ? undefined : Uint8Array.from(Buffer.from(hex, "hex")));

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/noise/${name}`, import.meta.url), "utf8");
}

/** flynn/noise's `vectors.txt` format: blank-line separated blocks of `key=hex` lines. */
export function flynnVectors(file: string): NoiseVector[] {
  return fixture(file)
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map((block) => {
      const f = new Map<string, string>();
      for (const line of block.split("\n")) {
        const eq = line.indexOf("=");
        f.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      }
      const protocolName = f.get("handshake")!;
      const pskCount = parseProtocolName(protocolName)
        .messages.flat()
        .filter((t) => t === "psk").length;
      const psk = bytes(f.get("preshared_key"));
      const psks = psk ? Array.from({ length: pskCount }, () => psk) : [];
      const prologue = bytes(f.get("prologue")) ?? new Uint8Array(0);
      const messages: NoiseVector["messages"][number][] = [];
      for (let n = 0; f.has(`msg_${n}_payload`); n++) {
        messages.push({ payload: f.get(`msg_${n}_payload`)!, ciphertext: f.get(`msg_${n}_ciphertext`)! });
      }
      return {
        protocolName,
        initPrologue: prologue,
        respPrologue: prologue,
        initPsks: psks,
        respPsks: psks,
        ...optional("initStatic", bytes(f.get("init_static"))),
        ...optional("respStatic", bytes(f.get("resp_static"))),
        initEphemeral: bytes(f.get("gen_init_ephemeral"))!,
        ...optional("respEphemeral", bytes(f.get("gen_resp_ephemeral"))),
        messages,
        transport: "alternate-after-handshake",
      };
    });
}

interface CacophonyJson {
  readonly vectors: readonly Record<string, unknown>[];
}

/** cacophony's JSON format (the `vectors` array of test/fixtures/noise/cacophony-25519.json). */
export function cacophonyVectors(file: string): NoiseVector[] {
  return (JSON.parse(fixture(file)) as CacophonyJson).vectors.map((v) => {
    const hex = (key: string) => bytes(v[key] as string | undefined);
    const psks = (key: string) => ((v[key] as string[] | undefined) ?? []).map((p) => bytes(p)!);
    return {
      protocolName: v.protocol_name as string,
      initPrologue: hex("init_prologue") ?? new Uint8Array(0),
      respPrologue: hex("resp_prologue") ?? new Uint8Array(0),
      initPsks: psks("init_psks"),
      respPsks: psks("resp_psks"),
      ...optional("initStatic", hex("init_static")),
      ...optional("respStatic", hex("resp_static")),
      initEphemeral: hex("init_ephemeral")!,
      ...optional("respEphemeral", hex("resp_ephemeral")),
      ...optional("handshakeHash", v.handshake_hash as string | undefined),
      messages: v.messages as NoiseVector["messages"],
      transport: "by-index",
    };
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function keyPair(crypto: CryptoProvider, secretKey: Uint8Array | undefined): X25519KeyPair | undefined {
  return secretKey && { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
}

/** Plays one vector end to end (both sides, every message); returns how many messages were checked. */
export function runVector(crypto: CryptoProvider, v: NoiseVector): number {
  const pattern = parseProtocolName(v.protocolName);
  const initStatic = keyPair(crypto, v.initStatic);
  const respStatic = keyPair(crypto, v.respStatic);
  const side = (
    initiator: boolean,
    prologue: Uint8Array,
    psks: readonly Uint8Array[],
    s: X25519KeyPair | undefined,
    e: X25519KeyPair | undefined,
    rs: Uint8Array | undefined,
  ) =>
    HandshakeState.initialize(crypto, {
      pattern,
      initiator,
      prologue,
      psks,
      ...(s && { s }),
      ...(e && { e }),
      ...(rs && { rs }),
    });
  // A remote static key is given only where the pattern's pre-messages make it known.
  const initiator = side(
    true,
    v.initPrologue,
    v.initPsks,
    initStatic,
    keyPair(crypto, v.initEphemeral),
    pattern.responderPre.includes("s") ? respStatic!.publicKey : undefined,
  );
  const responder = side(
    false,
    v.respPrologue,
    v.respPsks,
    respStatic,
    keyPair(crypto, v.respEphemeral),
    pattern.initiatorPre.includes("s") ? initStatic!.publicKey : undefined,
  );

  let n = 0;
  for (; n < pattern.messages.length; n++) {
    const [writer, reader] = n % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const m = v.messages[n]!;
    const sent = writer.writeMessage(bytes(m.payload)!);
    expect(toHex(sent), `${v.protocolName} handshake message ${n}`).toBe(m.ciphertext);
    expect(toHex(reader.readMessage(sent))).toBe(m.payload);
  }
  const i = initiator.result!;
  const r = responder.result!;
  expect(i.handshakeHash).toEqual(r.handshakeHash);
  if (v.handshakeHash !== undefined) expect(toHex(i.handshakeHash), v.protocolName).toBe(v.handshakeHash);
  const fromInitiator: [CipherState, CipherState] = [i.initiatorToResponder, r.initiatorToResponder];
  const fromResponder: [CipherState, CipherState] = [r.responderToInitiator, i.responderToInitiator];
  const oneWay = pattern.messages.length === 1;
  const handshakeLength = n;
  for (; n < v.messages.length; n++) {
    const byInitiator = v.transport === "by-index" ? oneWay || n % 2 === 0 : (n - handshakeLength) % 2 === 0;
    const [send, receive] = byInitiator ? fromInitiator : fromResponder;
    const m = v.messages[n]!;
    const sent = send.encryptWithAd(new Uint8Array(0), bytes(m.payload)!);
    expect(toHex(sent), `${v.protocolName} transport message ${n}`).toBe(m.ciphertext);
    expect(toHex(receive.decryptWithAd(new Uint8Array(0), sent))).toBe(m.payload);
  }
  return v.messages.length;
}
