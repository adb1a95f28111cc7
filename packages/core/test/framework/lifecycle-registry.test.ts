/**
 * The registry's checks of lifecycle capabilities: the Client needs at most one pairwise starter, one group
 * starter, one control carrier and one default control consumer, each with its method (more consumers may
 * each claim their own payloads); a type declares only namespaces of its own.
 */
import { type AnyConversationTypeRuntime, Registry, SpecError } from "@parley/core";
import { describe, expect, it } from "vitest";
import { fullSpec, sealedRuntime } from "./fixtures.js";

const noop = async () => ({ value: { conversationId: "", messageId: "" }, effects: [] });

function typed(name: string, lifecycle: Record<string, unknown>): AnyConversationTypeRuntime {
  // Without the fixture's inbox claim: two of them would collide on their arm.
  const { inbox: _, ...runtime } = sealedRuntime;
  return { ...runtime, spec: fullSpec(name), lifecycle } as unknown as AnyConversationTypeRuntime;
}

function refusal(register: () => void): SpecError {
  try {
    register();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error("the registry accepted the type");
}

describe("Registry: lifecycle capabilities", () => {
  it("finds the one starter, carrier and consumer by capability", () => {
    const r = new Registry();
    r.register(typed("PairV1", { starts: ["pairwise"], start: noop, carriesControl: true, carry: noop }));
    r.register(typed("GroupTestV1", { starts: ["group"], start: noop, consumesControl: true, control: noop }));
    expect(r.starter("pairwise")?.spec.name).toBe("PairV1");
    expect(r.starter("group")?.spec.name).toBe("GroupTestV1");
    expect(r.carrier()?.spec.name).toBe("PairV1");
    expect(r.controlConsumer()?.spec.name).toBe("GroupTestV1");
  });

  it("refuses a second type for a single-owner capability, naming the first", () => {
    const r = new Registry();
    r.register(typed("PairV1", { starts: ["pairwise"], start: noop }));
    const e = refusal(() => r.register(typed("OtherV1", { starts: ["pairwise"], start: noop })));
    expect(e.code).toBe("invalid-spec");
    expect(e.message).toContain("start:pairwise is already provided by PairV1");
    expect(r.get("OtherV1")).toBeUndefined();
    r.register(typed("C1", { carriesControl: true, carry: noop }));
    expect(refusal(() => r.register(typed("C2", { carriesControl: true, carry: noop }))).code).toBe("invalid-spec");
    expect(r.carrier()?.spec.name).toBe("C1");
  });

  it("routes each control payload to the consumer that claims it, every other one to the default consumer", () => {
    const r = new Registry();
    r.register(typed("GroupTestV1", { consumesControl: true, control: noop }));
    const mine = (p: Uint8Array) => p[0] === 0xad;
    r.register(typed("AccountTestV1", { consumesControl: true, control: noop, claimsControl: mine }));
    const throws = () => {
      throw new Error("unreadable");
    };
    r.register(typed("ThrowingV1", { consumesControl: true, control: noop, claimsControl: throws }));
    expect(r.controlConsumer(new Uint8Array([0xad, 1]))?.spec.name).toBe("AccountTestV1");
    expect(r.controlConsumer(new Uint8Array([0x0a, 1]))?.spec.name).toBe("GroupTestV1");
    expect(r.controlConsumer(new Uint8Array(0))?.spec.name).toBe("GroupTestV1");
    expect(r.controlConsumer()?.spec.name).toBe("GroupTestV1");
    // A second default consumer would leave unclaimed payloads two owners: refused.
    const e = refusal(() => r.register(typed("OtherGroupV1", { consumesControl: true, control: noop })));
    expect(e.message).toContain("control is already provided by GroupTestV1");
    // A claimant still needs the method that consumes.
    expect(refusal(() => r.register(typed("NoMethodV1", { consumesControl: true, claimsControl: mine }))).path).toBe(
      "lifecycle.control",
    );
  });

  it("without a default consumer, an unclaimed payload has no consumer", () => {
    const r = new Registry();
    r.register(typed("AccountTestV1", { consumesControl: true, control: noop, claimsControl: () => false }));
    expect(r.controlConsumer(new Uint8Array([1]))).toBeUndefined();
  });

  it("refuses a capability without its method, and namespaces that are not the type's", () => {
    expect(refusal(() => new Registry().register(typed("A1", { starts: ["group"] }))).path).toBe("lifecycle.start");
    expect(refusal(() => new Registry().register(typed("A2", { consumesControl: true }))).path).toBe(
      "lifecycle.control",
    );
    for (const ns of ["framework.conversation-state", "client.history", ""])
      expect(refusal(() => new Registry().register(typed("A3", { namespaces: [ns] }))).path).toBe(
        "lifecycle.namespaces",
      );
    expect(new Registry().register(typed("A4", { namespaces: ["a4.records"] })).spec.name).toBe("A4");
  });
});
