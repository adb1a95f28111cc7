import { Transaction } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { createGroup, Net, sendText, view } from "./harness.js";

describe("GroupV1 basics", () => {
  it("creates a group of 3 in one commit and delivers messages with verified senders", async () => {
    const net = new Net(1);
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const cid = await createGroup(a!, [b!, c!], "friends");
    await net.settle();
    const va = await view(a!, cid);
    expect(va.epoch).toBe(1n);
    expect(va.members).toHaveLength(3);
    expect(await view(b!, cid)).toEqual(va);
    expect(await view(c!, cid)).toEqual(va);
    expect(va.name).toBe("friends");
    await sendText(b!, cid, "hello from b");
    await net.settle();
    expect(a!.inbox).toEqual([expect.objectContaining({ text: "hello from b", sender: b!.identity })]);
    expect(c!.text()).toEqual(["hello from b"]);
    expect(b!.text()).toEqual([]);
  });

  it("shows joiners as pending until their Joined frame arrives", async () => {
    const net = new Net(2);
    const [a, b] = [await net.addMember("a"), await net.addMember("b")];
    const cid = await createGroup(a!, [b!]);
    const before = await a!.engine.members(new Transaction(a!.store), cid);
    expect(before.find((m) => m.identity === b!.identity)?.state).toBe("pending");
    await net.settle();
    const after = await a!.engine.members(new Transaction(a!.store), cid);
    expect(after.find((m) => m.identity === b!.identity)?.state).toBe("member");
  });
});

describe("GroupV1 rejection and channel binding", () => {
  it("a payload moved to another group is rejected without state change; tampered bytes too", async () => {
    const net = new Net(3);
    const [a, b, c] = [await net.addMember("a"), await net.addMember("b"), await net.addMember("c")];
    const g1 = await createGroup(a!, [b!]);
    const g2 = await createGroup(a!, [b!, c!]);
    await net.settle();
    const sent = await b!.step(
      (tx) => b!.engine.send(tx, g1, new TextEncoder().encode("for g1")),
      (x) => x.effects,
    );
    net.queue = [];
    const publish = sent.effects.find((e) => e.kind === "publish");
    expect(publish?.kind).toBe("publish");
    const { fromBinary } = await import("@bufbuild/protobuf");
    const { EnvelopeV1Schema } = await import("../../src/wire/gen/logoschat/envelope/envelope_pb.js");
    const { EncryptedPayloadSchema } = await import("../../src/wire/gen/logoschat/encryption/encryption_pb.js");
    const env = fromBinary(EnvelopeV1Schema, (publish as { payload: Uint8Array }).payload);
    const enc = fromBinary(EncryptedPayloadSchema, env.payload);
    const inner = (enc.encryption.value as { payload: Uint8Array }).payload;
    const before = new Map(
      a!.store instanceof Object ? (a!.store as unknown as { data: Map<string, Uint8Array> }).data : [],
    );
    const moved = await a!.run((tx) => a!.engine.receive(tx, g2, inner));
    expect(moved).toEqual([{ kind: "rejected", conversationId: g2, reason: "bad-message" }]);
    const tampered = inner.slice();
    tampered[tampered.length - 5]! ^= 1;
    const bad = await a!.run((tx) => a!.engine.receive(tx, g1, tampered));
    expect(bad[0]?.kind).toBe("rejected");
    expect((a!.store as unknown as { data: Map<string, Uint8Array> }).data).toEqual(before);
    // The genuine payload on its own group still works afterwards.
    await a!.run((tx) => a!.engine.receive(tx, g1, inner));
    expect(a!.text(g1)).toEqual(["for g1"]);
    expect(a!.text(g2)).toEqual([]);
  });

  it("refuses key packages whose credential binding does not verify", async () => {
    const net = new Net(4);
    const [a, b] = [await net.addMember("a"), await net.addMember("b")];
    // A correctly MLS-signed key package whose credential names b's identity with a signature by someone else.
    const mls = await import("ts-mls");
    const { bindCredential } = await import("../../src/conversations/group-v1/credential.js");
    const { crypto } = await import("./harness.js");
    const cs = b!.engine.suite;
    const sig = await cs.signature.keygen();
    const mallory = crypto.x25519GenerateKeyPair();
    const stolen = bindCredential(crypto, mallory, sig.publicKey);
    stolen.set(b!.keys.publicKey, 0); // claim b's identity key, keep mallory's signature
    const fake = await mls.generateKeyPackageWithKey(
      { credentialType: "basic", identity: stolen },
      mls.defaultCapabilities(),
      mls.defaultLifetime,
      [],
      sig,
      cs,
    );
    const bytes = mls.encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_key_package",
      keyPackage: fake.publicPackage,
    });
    await expect(a!.engine.createGroup(new Transaction(a!.store), { keyPackages: [bytes] })).rejects.toThrow(
      /credential/,
    );
    const other = await a!.engine.receiveControl(new Transaction(a!.store), b!.identity, new Uint8Array([1, 2, 3]));
    expect(other[0]?.kind).toBe("rejected");
  });
});
