/**
 * The set of conversation types a client understands. Registration is the machine check of the seed's
 * rules: a type missing a MUST is refused with a `MissingMustError` naming it; a type missing a SHOULD is
 * accepted with a warning (or refused when the registry is strict).
 */
import { SpecError } from "./errors.js";
import type { FirstContact, StartKind } from "./lifecycle.js";
import type { AnyConversationTypeRuntime, ConversationTypeRuntime } from "./runtime.js";
import type { ConversationTypeSpec } from "./type-spec.js";
import { validateSpec } from "./validate-spec.js";

export interface RegisteredType {
  /** A frozen copy of the spec as registered. */
  readonly spec: ConversationTypeSpec;
  readonly runtime?: AnyConversationTypeRuntime;
  readonly warnings: readonly string[];
}

export interface RegisterOptions {
  /**
   * Capabilities already provided by a type registered before are left to it instead of refused (the
   * built-in types yield to an application's own, e.g. another pairwise starter).
   */
  readonly yieldCapabilities?: boolean;
}

export interface RegistryOptions {
  /** Refuse types that miss a SHOULD instead of warning. */
  readonly requireShoulds?: boolean;
}

export class Registry {
  readonly #types = new Map<string, RegisteredType>();
  readonly #inboxArms = new Map<string, string>();
  /**
   * Capabilities the Client needs exactly one type for: `start:pairwise`, `start:group`, `start:account`,
   * `carry`, `control` (the default consumer of control payloads), `first-contact`.
   */
  readonly #capabilities = new Map<string, string>();
  /** Consumers of control payloads that claim theirs (`claimsControl`), in registration order. */
  readonly #controlClaimants: string[] = [];
  readonly #requireShoulds: boolean;

  constructor(options: RegistryOptions = {}) {
    this.#requireShoulds = options.requireShoulds ?? false;
  }

  /**
   * Registers a spec (for documentation and checks) or a runtime (which also makes the type decodable).
   * Throws `SpecError` (`missing-must`, `invalid-spec`, `duplicate-type`); returns the SHOULD warnings.
   */
  register<S, F>(
    entry: ConversationTypeSpec | ConversationTypeRuntime<S, F>,
    options: RegisterOptions = {},
  ): RegisteredType {
    const runtime = isRuntime(entry) ? (entry as unknown as AnyConversationTypeRuntime) : undefined;
    const input: unknown = runtime ? runtime.spec : entry;
    const warnings = validateSpec(input);
    const spec = deepFreeze(JSON.parse(JSON.stringify(input)) as ConversationTypeSpec);
    if (this.#types.has(spec.name)) {
      throw new SpecError("duplicate-type", `conversation type ${spec.name} is already registered`, spec.name);
    }
    if (this.#requireShoulds && warnings.length > 0) {
      throw new SpecError("invalid-spec", `${warnings.join("; ")} (registry requires SHOULDs)`, spec.name);
    }
    if (runtime) this.#checkRuntime(spec, runtime, options.yieldCapabilities ?? false);
    const registered: RegisteredType = Object.freeze({ spec, runtime, warnings: Object.freeze([...warnings]) });
    this.#types.set(spec.name, registered);
    for (const arm of runtime?.inbox?.arms ?? []) this.#inboxArms.set(arm, spec.name);
    for (const c of capabilitiesOf(runtime))
      if (c === "control:claimed") this.#controlClaimants.push(spec.name);
      else if (!this.#capabilities.has(c)) this.#capabilities.set(c, spec.name);
    return registered;
  }

  get(name: string): RegisteredType | undefined {
    return this.#types.get(name);
  }

  runtime(name: string): AnyConversationTypeRuntime | undefined {
    return this.#types.get(name)?.runtime;
  }

  /** The runtime that claims an `InboxV1Frame` arm, if any. */
  inboxClaimant(arm: string): AnyConversationTypeRuntime | undefined {
    const name = this.#inboxArms.get(arm);
    return name === undefined ? undefined : this.runtime(name);
  }

  /** The runtime that starts conversations of this kind (at most one per registry). */
  starter(kind: StartKind): AnyConversationTypeRuntime | undefined {
    return this.#capability(`start:${kind}`);
  }

  /** The runtime that carries control payloads between peers (at most one). */
  carrier(): AnyConversationTypeRuntime | undefined {
    return this.#capability("carry");
  }

  /**
   * The runtime that consumes a control payload: the first type that claims it, else the default consumer (the
   * one without `claimsControl`, at most one). Without a payload: the default consumer.
   */
  controlConsumer(payload?: Uint8Array): AnyConversationTypeRuntime | undefined {
    if (payload !== undefined)
      for (const name of this.#controlClaimants) {
        const runtime = this.runtime(name);
        if (claims(runtime, payload)) return runtime;
      }
    return this.#capability("control");
  }

  /** The first-contact service of the type that receives invites (at most one). */
  firstContact(): FirstContact | undefined {
    return this.#capability("first-contact")?.lifecycle?.firstContact;
  }

  /** Every registered runtime, in registration order. */
  runtimes(): AnyConversationTypeRuntime[] {
    return [...this.#types.values()].flatMap((t) => (t.runtime ? [t.runtime] : []));
  }

  #capability(name: string): AnyConversationTypeRuntime | undefined {
    const type = this.#capabilities.get(name);
    return type === undefined ? undefined : this.runtime(type);
  }

  /** Every registered spec, in registration order. */
  specs(): ConversationTypeSpec[] {
    return [...this.#types.values()].map((t) => t.spec);
  }

  /** Every SHOULD warning, in registration order. */
  warnings(): string[] {
    return [...this.#types.values()].flatMap((t) => t.warnings);
  }

  /** Each declared capability needs its method, and the single-owner ones may be declared by one type only. */
  #checkLifecycle(spec: ConversationTypeSpec, runtime: AnyConversationTypeRuntime, yieldTaken: boolean): void {
    const l = runtime.lifecycle;
    if (l === undefined) return;
    const fail = (what: string, path: string) => {
      throw new SpecError("invalid-spec", `conversation type ${spec.name}: ${what}`, spec.name, path);
    };
    for (const ns of l.namespaces ?? [])
      if (typeof ns !== "string" || ns.length === 0 || ns.startsWith("framework.") || ns.startsWith("client."))
        fail(`namespace "${String(ns)}" is not the type's to declare`, "lifecycle.namespaces");
    for (const c of capabilitiesOf(runtime)) {
      const method = NEEDS[c]!;
      const present =
        method === "firstContact" ? typeof l.firstContact?.initiate === "function" : typeof l[method] === "function";
      if (!present) fail(`declares ${c} but lacks ${method}()`, `lifecycle.${method}`);
      if (c === "control:claimed") continue; // any number of consumers that claim their payloads
      const owner = this.#capabilities.get(c);
      if (owner !== undefined && !yieldTaken) fail(`capability ${c} is already provided by ${owner}`, "lifecycle");
    }
  }

  #checkRuntime(spec: ConversationTypeSpec, runtime: AnyConversationTypeRuntime, yieldTaken: boolean): void {
    for (const method of ["open", "encodeState", "decodeState"] as const) {
      if (typeof runtime[method] !== "function") {
        throw new SpecError("invalid-spec", `conversation type ${spec.name}: runtime lacks ${method}()`, spec.name);
      }
    }
    this.#checkLifecycle(spec, runtime, yieldTaken);
    if (runtime.secretHints !== undefined && typeof runtime.secretHints.matches !== "function") {
      throw new SpecError("invalid-spec", `conversation type ${spec.name}: secretHints needs matches()`, spec.name);
    }
    const inbox = runtime.inbox;
    if (inbox === undefined) return;
    if (!Array.isArray(inbox.arms) || inbox.arms.length === 0 || typeof inbox.accept !== "function") {
      throw new SpecError("invalid-spec", `conversation type ${spec.name}: inbox claim needs arms and accept()`);
    }
    for (const arm of inbox.arms) {
      const owner = this.#inboxArms.get(arm);
      if (owner !== undefined) {
        throw new SpecError(
          "invalid-spec",
          `conversation type ${spec.name}: inbox arm "${arm}" is already claimed by ${owner}`,
          spec.name,
          "inbox.arms",
        );
      }
    }
  }
}

const NEEDS: Record<string, "start" | "carry" | "control" | "firstContact"> = {
  "first-contact": "firstContact",
  "start:pairwise": "start",
  "start:group": "start",
  "start:account": "start",
  "start:account-group": "start",
  "start:self": "start",
  carry: "carry",
  control: "control",
  "control:claimed": "control",
};

/** A claimant's answer; a claim that throws is no claim (the default consumer refuses what it cannot read). */
function claims(runtime: AnyConversationTypeRuntime | undefined, payload: Uint8Array): boolean {
  try {
    return runtime?.lifecycle?.claimsControl?.(payload) === true;
  } catch {
    return false;
  }
}

/**
 * The capabilities a runtime declares; all are single-owner but `control:claimed` (a consumer that claims its
 * payloads, beside the default consumer `control`).
 */
function capabilitiesOf(runtime: AnyConversationTypeRuntime | undefined): string[] {
  const l = runtime?.lifecycle;
  if (!l) return [];
  const consumer = l.consumesControl ? [typeof l.claimsControl === "function" ? "control:claimed" : "control"] : [];
  return [
    ...(l.starts ?? []).map((k) => `start:${k}`),
    ...(l.carriesControl ? ["carry"] : []),
    ...consumer,
    ...(l.firstContact ? ["first-contact"] : []),
  ];
}

function isRuntime(entry: object): boolean {
  return "spec" in entry && "open" in entry;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
