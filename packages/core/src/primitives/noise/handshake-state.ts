/**
 * Noise HandshakeState (Noise spec §5.3) interpreting a pattern table, under the pattern's suite (suite.ts).
 *
 * readMessage is atomic: it works on a copy and commits only when the whole message (keys, static key and
 * payload) authenticated, so a forged or corrupted message never changes the state.
 */
import { concatBytes } from "../../base/bytes.js";
import { CryptoError } from "../../crypto/errors.js";
import type { CryptoProvider, X25519KeyPair } from "../../crypto/provider.js";
import { CipherState } from "./cipher-state.js";
import { MAX_MESSAGE_LENGTH, NoiseError } from "./errors.js";
import { type HandshakePattern, isPskPattern, type PreToken, protocolName, type Token } from "./patterns.js";
import { DHLEN, SymmetricState } from "./symmetric-state.js";

const TAG_LENGTH = 16;

export interface HandshakeOptions {
  /** The pattern table and its suite (parseProtocolName binds the name's; 25519_ChaChaPoly_BLAKE2b if none). */
  readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  readonly prologue?: Uint8Array;
  /** Local static key pair, when the pattern sends or pre-shares one. */
  readonly s?: X25519KeyPair;
  /**
   * Local ephemeral key pair. Normally generated at the "e" token from the provider's randomness; supplied for
   * test vectors or when the pattern pre-shares it (the inbox responder's bundle ephemeral).
   */
  readonly e?: X25519KeyPair;
  /** Remote static public key, when the pattern pre-shares it. */
  readonly rs?: Uint8Array;
  /** Remote ephemeral public key, when the pattern pre-shares it. */
  readonly re?: Uint8Array;
  /** Pre-shared keys (32 bytes each), consumed in order by the "psk" tokens. */
  readonly psks?: readonly Uint8Array[];
}

/** The result of the last handshake message: the two transport CipherStates and the handshake hash. */
export interface HandshakeResult {
  /** Initiator → responder. */
  readonly initiatorToResponder: CipherState;
  /** Responder → initiator. */
  readonly responderToInitiator: CipherState;
  readonly handshakeHash: Uint8Array;
  /** The raw Split() keys (initiator→responder, responder→initiator), e.g. to seed a ratchet. Secret. */
  readonly splitKeys: readonly [Uint8Array, Uint8Array];
}

interface Keys {
  s: X25519KeyPair | undefined;
  e: X25519KeyPair | undefined;
  rs: Uint8Array | undefined;
  re: Uint8Array | undefined;
}

export class HandshakeState {
  readonly #crypto: CryptoProvider;
  readonly #pattern: HandshakePattern;
  readonly #initiator: boolean;
  readonly #psk: boolean;
  readonly #psks: readonly Uint8Array[];
  #ss: SymmetricState;
  #keys: Keys;
  #messageIndex: number;
  #pskIndex: number;
  #result: HandshakeResult | undefined;

  private constructor(
    crypto: CryptoProvider,
    pattern: HandshakePattern,
    initiator: boolean,
    psks: readonly Uint8Array[],
    ss: SymmetricState,
    keys: Keys,
    messageIndex: number,
    pskIndex: number,
  ) {
    this.#crypto = crypto;
    this.#pattern = pattern;
    this.#initiator = initiator;
    this.#psk = isPskPattern(pattern);
    this.#psks = psks;
    this.#ss = ss;
    this.#keys = keys;
    this.#messageIndex = messageIndex;
    this.#pskIndex = pskIndex;
  }

  /** Initialize(): protocol name, prologue, then the pre-message keys (initiator's first, e before s). */
  static initialize(crypto: CryptoProvider, options: HandshakeOptions): HandshakeState {
    const { pattern, initiator } = options;
    checkKeyPair(options.s, "s");
    checkKeyPair(options.e, "e");
    checkPublic(options.rs, "rs");
    checkPublic(options.re, "re");
    for (const psk of options.psks ?? []) {
      if (psk.length !== 32) throw new NoiseError("missing-key", "a Noise PSK must be 32 bytes");
    }
    const ss = SymmetricState.initialize(crypto, protocolName(pattern));
    ss.mixHash(options.prologue ?? new Uint8Array(0));
    const keys: Keys = { s: options.s, e: options.e, rs: options.rs, re: options.re };
    const state = new HandshakeState(crypto, pattern, initiator, options.psks ?? [], ss, keys, 0, 0);
    state.#preMessage(pattern.initiatorPre, initiator);
    state.#preMessage(pattern.responderPre, !initiator);
    return state;
  }

  #preMessage(tokens: readonly PreToken[], local: boolean): void {
    for (const token of tokens) {
      const key =
        token === "e"
          ? local
            ? this.#keys.e?.publicKey
            : this.#keys.re
          : local
            ? this.#keys.s?.publicKey
            : this.#keys.rs;
      if (key === undefined) throw new NoiseError("missing-key", `pre-message key ${token} is missing`);
      this.#ss.mixHash(key);
      if (token === "e" && this.#psk) this.#ss.mixKey(key);
    }
  }

  get isInitiator(): boolean {
    return this.#initiator;
  }

  /** True when it is this side's turn to write. */
  get isMyTurn(): boolean {
    return this.#result === undefined && this.#messageIndex % 2 === (this.#initiator ? 0 : 1);
  }

  get isComplete(): boolean {
    return this.#result !== undefined;
  }

  /** Transport states and handshake hash once the last message was written or read. */
  get result(): HandshakeResult | undefined {
    return this.#result;
  }

  get handshakeHash(): Uint8Array {
    return this.#ss.handshakeHash;
  }

  /** The remote static key, once known (pre-shared or received). */
  get remoteStatic(): Uint8Array | undefined {
    return this.#keys.rs?.slice();
  }

  get remoteEphemeral(): Uint8Array | undefined {
    return this.#keys.re?.slice();
  }

  #clone(): HandshakeState {
    return new HandshakeState(
      this.#crypto,
      this.#pattern,
      this.#initiator,
      this.#psks,
      this.#ss.clone(),
      { ...this.#keys },
      this.#messageIndex,
      this.#pskIndex,
    );
  }

  #commit(from: HandshakeState): void {
    this.#ss = from.#ss;
    this.#keys = from.#keys;
    this.#messageIndex = from.#messageIndex;
    this.#pskIndex = from.#pskIndex;
    this.#result = from.#result;
  }

  #tokens(writing: boolean): readonly Token[] {
    if (this.#result !== undefined) throw new NoiseError("wrong-turn", "the handshake is already complete");
    const initiatorsTurn = this.#messageIndex % 2 === 0;
    if (writing !== (initiatorsTurn === this.#initiator)) {
      throw new NoiseError("wrong-turn", writing ? "not this side's turn to write" : "not this side's turn to read");
    }
    return this.#pattern.messages[this.#messageIndex]!;
  }

  #dh(local: X25519KeyPair | undefined, remote: Uint8Array | undefined, token: Token): void {
    if (local === undefined || remote === undefined) throw new NoiseError("missing-key", `keys for ${token} missing`);
    let shared: Uint8Array;
    try {
      shared = this.#crypto.x25519(local.secretKey, remote);
    } catch (e) {
      if (e instanceof CryptoError) throw new NoiseError("invalid-key", `${token}: remote key has small order`);
      throw e;
    }
    this.#ss.mixKey(shared);
    shared.fill(0);
  }

  #mixToken(token: Token): void {
    const { s, e, rs, re } = this.#keys;
    const init = this.#initiator;
    switch (token) {
      case "ee":
        this.#dh(e, re, token);
        break;
      case "es":
        if (init) this.#dh(e, rs, token);
        else this.#dh(s, re, token);
        break;
      case "se":
        if (init) this.#dh(s, re, token);
        else this.#dh(e, rs, token);
        break;
      case "ss":
        this.#dh(s, rs, token);
        break;
      case "psk": {
        const psk = this.#psks[this.#pskIndex++];
        if (psk === undefined) throw new NoiseError("missing-key", "not enough PSKs for the pattern");
        this.#ss.mixKeyAndHash(psk);
        break;
      }
      default:
        throw new NoiseError("unsupported-protocol", `token ${token} is not a DH/psk token`);
    }
  }

  #advance(): void {
    this.#messageIndex++;
    if (this.#messageIndex === this.#pattern.messages.length) {
      const [k1, k2] = this.#ss.split();
      this.#result = {
        initiatorToResponder: new CipherState(this.#crypto, k1, 0n, this.#ss.suite.cipher),
        responderToInitiator: new CipherState(this.#crypto, k2, 0n, this.#ss.suite.cipher),
        handshakeHash: this.#ss.handshakeHash,
        splitKeys: [k1, k2],
      };
    }
  }

  /** WriteMessage(payload): returns the handshake message. */
  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    const tokens = this.#tokens(true);
    const work = this.#clone();
    const parts: Uint8Array[] = [];
    for (const token of tokens) {
      if (token === "e") {
        if (work.#keys.e === undefined) work.#keys.e = work.#crypto.x25519GenerateKeyPair();
        const pub = work.#keys.e.publicKey;
        parts.push(pub);
        work.#ss.mixHash(pub);
        if (work.#psk) work.#ss.mixKey(pub);
      } else if (token === "s") {
        if (work.#keys.s === undefined) throw new NoiseError("missing-key", "static key s missing");
        parts.push(work.#ss.encryptAndHash(work.#keys.s.publicKey));
      } else {
        work.#mixToken(token);
      }
    }
    parts.push(work.#ss.encryptAndHash(payload));
    const message = concatBytes(...parts);
    if (message.length > MAX_MESSAGE_LENGTH) throw new NoiseError("message-too-long", "Noise message too long");
    work.#advance();
    this.#commit(work);
    return message;
  }

  /** ReadMessage(message): returns the payload; throws NoiseError and leaves the state unchanged on failure. */
  readMessage(message: Uint8Array): Uint8Array {
    const tokens = this.#tokens(false);
    if (message.length > MAX_MESSAGE_LENGTH) throw new NoiseError("message-too-long", "Noise message too long");
    const work = this.#clone();
    let offset = 0;
    const take = (n: number): Uint8Array => {
      if (offset + n > message.length) throw new NoiseError("message-too-short", "Noise message too short");
      const part = message.subarray(offset, offset + n);
      offset += n;
      return part;
    };
    for (const token of tokens) {
      if (token === "e") {
        const re = take(DHLEN).slice();
        work.#keys.re = re;
        work.#ss.mixHash(re);
        if (work.#psk) work.#ss.mixKey(re);
      } else if (token === "s") {
        const sealed = take(work.#ss.cipher.hasKey() ? DHLEN + TAG_LENGTH : DHLEN);
        work.#keys.rs = work.#ss.decryptAndHash(sealed);
      } else {
        work.#mixToken(token);
      }
    }
    const rest = message.subarray(offset);
    if (work.#ss.cipher.hasKey() && rest.length < TAG_LENGTH) {
      throw new NoiseError("message-too-short", "Noise message too short");
    }
    const payload = work.#ss.decryptAndHash(rest);
    work.#advance();
    this.#commit(work);
    return payload;
  }
}

function checkKeyPair(pair: X25519KeyPair | undefined, name: string): void {
  if (pair === undefined) return;
  if (pair.publicKey.length !== DHLEN || pair.secretKey.length !== 32) {
    throw new NoiseError("missing-key", `${name} must be a 32-byte X25519 key pair`);
  }
}

function checkPublic(key: Uint8Array | undefined, name: string): void {
  if (key !== undefined && key.length !== DHLEN) throw new NoiseError("missing-key", `${name} must be 32 bytes`);
}
