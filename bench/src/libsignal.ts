/**
 * libsignal-client with in-memory stores: the peer the PrivateV1 and memory sections compare against.
 * PQXDH with a signed pre-key and a last-resort Kyber pre-key (reusable, like our bundle key), no one-time keys.
 */
import {
  CiphertextMessageType,
  type Direction,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KEMKeyPair,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyBundle,
  type PreKeyRecord,
  PreKeySignalMessage,
  PreKeyStore,
  PrivateKey,
  ProtocolAddress,
  type PublicKey,
  processPreKeyBundle,
  SessionRecord,
  SessionStore,
  SignalMessage,
  SignedPreKeyRecord,
  SignedPreKeyStore,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from "@signalapp/libsignal-client";

export class Sessions extends SessionStore {
  readonly map = new Map<string, Uint8Array>();
  async saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.map.set(name.toString(), record.serialize());
  }
  async getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    const r = this.map.get(name.toString());
    return r ? SessionRecord.deserialize(r as Uint8Array<ArrayBuffer>) : null;
  }
  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return (await Promise.all(addresses.map((a) => this.getSession(a)))).filter((x): x is SessionRecord => x !== null);
  }
}

export class Identities extends IdentityKeyStore {
  readonly known = new Map<string, PublicKey>();
  constructor(
    readonly pair: IdentityKeyPair,
    readonly registrationId: number,
  ) {
    super();
  }
  async getIdentityKey(): Promise<PrivateKey> {
    return this.pair.privateKey;
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }
  async saveIdentity(name: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    this.known.set(name.toString(), key);
    return IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(_name: ProtocolAddress, _key: PublicKey, _direction: Direction): Promise<boolean> {
    return true;
  }
  async getIdentity(name: ProtocolAddress): Promise<PublicKey | null> {
    return this.known.get(name.toString()) ?? null;
  }
}

export class PreKeys extends PreKeyStore {
  readonly map = new Map<number, PreKeyRecord>();
  async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.map.set(id, record);
  }
  async getPreKey(id: number): Promise<PreKeyRecord> {
    return this.map.get(id)!;
  }
  async removePreKey(id: number): Promise<void> {
    this.map.delete(id);
  }
}

export class SignedPreKeys extends SignedPreKeyStore {
  readonly map = new Map<number, SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.map.set(id, record);
  }
  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return this.map.get(id)!;
  }
}

export class KyberPreKeys extends KyberPreKeyStore {
  readonly map = new Map<number, KyberPreKeyRecord>();
  async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.map.set(id, record);
  }
  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    return this.map.get(id)!;
  }
  async markKyberPreKeyUsed(): Promise<void> {}
}

export interface SignalParty {
  address: ProtocolAddress;
  identity: Identities;
  sessions: Sessions;
  preKeys: PreKeys;
  signed: SignedPreKeys;
  kyber: KyberPreKeys;
}

export function signalParty(name: string, registrationId: number): SignalParty {
  return {
    address: ProtocolAddress.new(name, 1),
    identity: new Identities(IdentityKeyPair.generate(), registrationId),
    sessions: new Sessions(),
    preKeys: new PreKeys(),
    signed: new SignedPreKeys(),
    kyber: new KyberPreKeys(),
  };
}

/** Bob's bundle with a signed pre-key and a last-resort Kyber pre-key (reusable, like our bundle key). */
export async function signalBundle(bob: SignalParty): Promise<PreKeyBundle> {
  const spk = PrivateKey.generate();
  const spkSig = bob.identity.pair.privateKey.sign(spk.getPublicKey().serialize());
  await bob.signed.saveSignedPreKey(1, SignedPreKeyRecord.new(1, Date.now(), spk.getPublicKey(), spk, spkSig));
  const kem = KEMKeyPair.generate();
  const kemSig = bob.identity.pair.privateKey.sign(kem.getPublicKey().serialize());
  await bob.kyber.saveKyberPreKey(1, KyberPreKeyRecord.new(1, Date.now(), kem, kemSig));
  return PreKeyBundle.new(
    bob.identity.registrationId,
    1,
    null,
    null,
    1,
    spk.getPublicKey(),
    spkSig,
    bob.identity.pair.publicKey,
    1,
    kem.getPublicKey(),
    kemSig,
  );
}

export async function signalEncryptTo(from: SignalParty, to: SignalParty, msg: Uint8Array) {
  return signalEncrypt(msg as Uint8Array<ArrayBuffer>, to.address, from.address, from.sessions, from.identity);
}

export async function signalReceive(
  to: SignalParty,
  from: SignalParty,
  c: Awaited<ReturnType<typeof signalEncryptTo>>,
) {
  if (c.type() === CiphertextMessageType.PreKey) {
    return signalDecryptPreKey(
      PreKeySignalMessage.deserialize(c.serialize()),
      from.address,
      to.address,
      to.sessions,
      to.identity,
      to.preKeys,
      to.signed,
      to.kyber,
    );
  }
  return signalDecrypt(SignalMessage.deserialize(c.serialize()), from.address, to.address, to.sessions, to.identity);
}

export async function signalPair(): Promise<{ alice: SignalParty; bob: SignalParty; bundle: PreKeyBundle }> {
  const alice = signalParty("alice", 1);
  const bob = signalParty("bob", 2);
  const bundle = await signalBundle(bob);
  await processPreKeyBundle(bundle, bob.address, alice.address, alice.sessions, alice.identity);
  await signalReceive(bob, alice, await signalEncryptTo(alice, bob, new Uint8Array(8)));
  // Bob replies once so alice's messages are plain SignalMessages from now on.
  await signalReceive(alice, bob, await signalEncryptTo(bob, alice, new Uint8Array(8)));
  return { alice, bob, bundle };
}
