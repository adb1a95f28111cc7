import {
  type ConversationTypeSpec,
  FRAMEWORK_DECODING_TREE,
  MissingMustError,
  MUSTS,
  REQUIREMENT_TITLES,
  Registry,
  SHOULDS,
  SpecError,
  validateDecodingTree,
} from "@parley/core";
import { renderConversationTypesDoc } from "@parley/core/internals";
import { describe, expect, it } from "vitest";
import { fullSpec, inboxRuntime, sealedRuntime } from "./fixtures.js";

type Mutable = Record<string, unknown>;

function without(key: string): ConversationTypeSpec {
  const spec = structuredClone(fullSpec()) as unknown as Mutable;
  delete spec[key];
  return spec as unknown as ConversationTypeSpec;
}

function refusal(spec: unknown): SpecError {
  try {
    new Registry().register(spec as ConversationTypeSpec);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error("the registry accepted the spec");
}

describe("Registry: MUSTs", () => {
  it("accepts a complete spec without warnings", () => {
    const r = new Registry();
    const t = r.register(fullSpec());
    expect(t.warnings).toEqual([]);
    expect(r.specs().map((s) => s.name)).toEqual(["SealedTestV1"]);
  });

  for (const must of MUSTS) {
    it(`refuses a type missing MUST "${must}", naming it`, () => {
      const e = refusal(without(must));
      expect(e).toBeInstanceOf(MissingMustError);
      expect(e.code).toBe("missing-must");
      expect((e as MissingMustError).must).toBe(must);
      expect(e.message).toContain(`"${must}"`);
      expect(e.message).toContain(REQUIREMENT_TITLES[must]);
      expect(e.message).toContain("SealedTestV1");
    });
  }

  it("treats an empty frames list as a missing MUST", () => {
    const e = refusal({ ...fullSpec(), frames: [] });
    expect((e as MissingMustError).must).toBe("frames");
  });

  it("treats a null MUST as missing", () => {
    const e = refusal({ ...fullSpec(), conversationId: null });
    expect((e as MissingMustError).must).toBe("conversationId");
  });

  it("refuses a MUST present but malformed, naming the field", () => {
    const spec = fullSpec();
    const e = refusal({ ...spec, encryption: { ...spec.encryption, payloadArms: ["plaintext", "rot13"] } });
    expect(e.code).toBe("invalid-spec");
    expect(e.path).toBe("encryption.payloadArms[1]");
    expect(e.message).toContain("rot13");
    expect(refusal({ ...spec, contentTopic: { ...spec.contentTopic, template: "" } }).path).toBe(
      "contentTopic.template",
    );
    expect(refusal({ ...spec, encoding: { ...spec.encoding, format: "json" } }).path).toBe("encoding.format");
  });

  it("refuses a spec that is not plain JSON data", () => {
    const e = refusal({ ...fullSpec(), summary: () => "x" });
    expect(e.code).toBe("invalid-spec");
    expect(e.message).toContain("JSON");
  });

  it("refuses a second type with the same name", () => {
    const r = new Registry();
    r.register(fullSpec());
    expect(() => r.register(fullSpec())).toThrow(expect.objectContaining({ code: "duplicate-type" }));
  });
});

describe("Registry: SHOULDs", () => {
  for (const should of SHOULDS) {
    it(`accepts a type missing SHOULD "${should}" with a warning naming it`, () => {
      const r = new Registry();
      const t = r.register(without(should));
      expect(t.warnings).toHaveLength(1);
      expect(t.warnings[0]).toContain(`"${should}"`);
      expect(t.warnings[0]).toContain(REQUIREMENT_TITLES[should]);
      expect(r.warnings()).toEqual(t.warnings);
    });

    it(`a strict registry refuses a type missing SHOULD "${should}"`, () => {
      expect(() => new Registry({ requireShoulds: true }).register(without(should))).toThrow(should);
    });
  }

  it("refuses a guarantee outside the fixed vocabulary", () => {
    const spec = fullSpec();
    const e = refusal({ ...spec, guarantees: [{ property: "unbreakable", description: "trust me" }] });
    expect(e.path).toBe("guarantees[0].property");
  });

  it("refuses a property both claimed and disclaimed", () => {
    const spec = fullSpec();
    const e = refusal({
      ...spec,
      nonGuarantees: [{ property: "confidentiality", description: "no" }],
    });
    expect(e.message).toContain("claims and disclaims");
  });

  it("a partial guarantee is a claim with a caveat, shown as yes* in the document", () => {
    const spec = fullSpec();
    const r = new Registry();
    r.register({
      ...spec,
      guarantees: [...spec.guarantees!, { property: "deniability", description: "AEAD only.", caveat: "not analysed" }],
    });
    const doc = renderConversationTypesDoc(r);
    expect(doc).toContain("| deniability | yes* |");
    expect(doc).toContain("_Caveat: not analysed_");
    expect(refusal({ ...spec, guarantees: [{ property: "integrity", description: "x", caveat: "" }] }).path).toBe(
      "guarantees[0].caveat",
    );
  });

  it("cost bounds are optional, checked field by field, and rendered in the document", () => {
    const spec = fullSpec();
    const bound = { resource: "invites", bound: "100 a minute.", description: "Dropped beyond.", attackerCost: "CPU." };
    const r = new Registry();
    r.register({ ...spec, bounds: [bound] });
    expect(renderConversationTypesDoc(r)).toContain("| invites | 100 a minute. Dropped beyond. | CPU. |");
    expect(refusal({ ...spec, bounds: [{ ...bound, attackerCost: "" }] }).path).toBe("bounds[0].attackerCost");
    expect(refusal({ ...spec, bounds: "none" }).path).toBe("bounds");
  });

  it("refuses an unknown channel-binding outcome", () => {
    const spec = fullSpec();
    const privacy = structuredClone(spec.privacy!) as unknown as { channelBinding: Mutable };
    privacy.channelBinding.movedToOtherTopic = "maybe";
    expect(refusal({ ...spec, privacy }).path).toBe("privacy.channelBinding.movedToOtherTopic");
  });
});

describe("Registry: decoding trees", () => {
  const tree = fullSpec().decodingTree!;
  const withTree = (t: unknown) => ({ ...fullSpec(), decodingTree: t });

  it("refuses a branch to a missing node", () => {
    const bad = structuredClone(tree) as unknown as { nodes: { branches: { next: unknown }[] }[] };
    bad.nodes[0]!.branches[1]!.next = "nowhere";
    expect(refusal(withTree(bad)).message).toContain('no node "nowhere"');
  });

  it("refuses a cycle", () => {
    const bad = structuredClone(tree) as unknown as { nodes: { branches: { next: unknown }[] }[] };
    bad.nodes[2]!.branches[0]!.next = "length";
    expect(refusal(withTree(bad)).message).toContain("cycle");
  });

  it("refuses an unreachable node", () => {
    const bad = {
      ...tree,
      nodes: [...tree.nodes, { id: "orphan", test: "x", branches: [{ when: "a", next: { outcome: "not-for-me" } }] }],
    };
    expect(refusal(withTree(bad)).message).toContain("unreachable");
  });

  it("refuses a readable outcome naming an undeclared frame", () => {
    const bad = structuredClone(tree) as unknown as { nodes: { branches: { next: unknown }[] }[] };
    bad.nodes[2]!.branches[1]!.next = { outcome: "readable", frame: "GhostFrame" };
    expect(refusal(withTree(bad)).message).toContain("GhostFrame");
  });

  it("refuses an outcome outside the three", () => {
    const bad = structuredClone(tree) as unknown as { nodes: { branches: { next: unknown }[] }[] };
    bad.nodes[2]!.branches[1]!.next = { outcome: "ignored" };
    expect(refusal(withTree(bad)).path).toMatch(/outcome$/);
  });

  it("the framework's own common tree is valid", () => {
    expect(() => validateDecodingTree(FRAMEWORK_DECODING_TREE)).not.toThrow();
  });
});

describe("Registry: runtimes", () => {
  it("registers runtimes and finds the claimant of an inbox arm", () => {
    const r = new Registry();
    r.register(sealedRuntime);
    r.register(inboxRuntime);
    expect(r.runtime("SealedTestV1")).toBe(sealedRuntime);
    expect(r.inboxClaimant("inviteSealedTest")).toBe(sealedRuntime);
    expect(r.inboxClaimant("inviteOther")).toBeUndefined();
  });

  it("refuses a second claimant for the same inbox arm", () => {
    const r = new Registry();
    r.register(sealedRuntime);
    const rival = { ...sealedRuntime, spec: fullSpec("RivalV1") };
    expect(() => r.register(rival)).toThrow(/already claimed by SealedTestV1/);
  });

  it("keeps a frozen copy: changing the spec object later changes nothing", () => {
    const spec = structuredClone(fullSpec()) as unknown as Mutable;
    const r = new Registry();
    r.register(spec as unknown as ConversationTypeSpec);
    spec.summary = "changed";
    expect(r.get("SealedTestV1")!.spec.summary).not.toBe("changed");
    expect(Object.isFrozen(r.get("SealedTestV1")!.spec.encryption)).toBe(true);
  });
});

describe("generated document", () => {
  it("says so when no type is registered", () => {
    const doc = renderConversationTypesDoc(new Registry());
    expect(doc).toContain("No conversation types are registered yet.");
    expect(doc).toContain("## Common decoding (every type)");
  });

  it("has one section per type with every part, and lists SHOULD warnings", () => {
    const r = new Registry();
    r.register(fullSpec());
    r.register(without("membership") && { ...without("membership"), name: "BareV1" });
    const doc = renderConversationTypesDoc(r);
    for (const heading of [
      "## SealedTestV1",
      "## BareV1",
      "### Encryption",
      "### Frames",
      "### Encoding",
      "### Content topics",
      "### Conversation ids",
      "### Membership",
      "### Guarantees",
      "### Decoding tree",
      "### Privacy",
      "## Registry warnings",
    ]) {
      expect(doc).toContain(heading);
    }
    expect(doc).toContain('BareV1: SHOULD define "membership"');
    expect(doc).toContain("**badly-formed** `decrypt-failed`");
    expect(doc).toContain("Payload moved to another conversation: **rejected**");
    expect(doc).toContain("| forward-secrecy | no | no |");
    // Stable output: rendering twice gives the same bytes.
    expect(renderConversationTypesDoc(r)).toBe(doc);
  });
});
