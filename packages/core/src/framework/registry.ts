/**
 * The set of conversation types a client understands. Registration is the machine check of the seed's
 * rules: a type missing a MUST is refused with a `MissingMustError` naming it; a type missing a SHOULD is
 * accepted with a warning (or refused when the registry is strict).
 */
import { SpecError } from "./errors.js";
import type { AnyConversationTypeRuntime, ConversationTypeRuntime } from "./runtime.js";
import type { ConversationTypeSpec } from "./type-spec.js";
import { validateSpec } from "./validate-spec.js";

export interface RegisteredType {
  /** A frozen copy of the spec as registered. */
  readonly spec: ConversationTypeSpec;
  readonly runtime?: AnyConversationTypeRuntime;
  readonly warnings: readonly string[];
}

export interface RegistryOptions {
  /** Refuse types that miss a SHOULD instead of warning. */
  readonly requireShoulds?: boolean;
}

export class Registry {
  readonly #types = new Map<string, RegisteredType>();
  readonly #inboxArms = new Map<string, string>();
  readonly #requireShoulds: boolean;

  constructor(options: RegistryOptions = {}) {
    this.#requireShoulds = options.requireShoulds ?? false;
  }

  /**
   * Registers a spec (for documentation and checks) or a runtime (which also makes the type decodable).
   * Throws `SpecError` (`missing-must`, `invalid-spec`, `duplicate-type`); returns the SHOULD warnings.
   */
  register<S, F>(entry: ConversationTypeSpec | ConversationTypeRuntime<S, F>): RegisteredType {
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
    if (runtime) this.#checkRuntime(spec, runtime);
    const registered: RegisteredType = Object.freeze({ spec, runtime, warnings: Object.freeze([...warnings]) });
    this.#types.set(spec.name, registered);
    for (const arm of runtime?.inbox?.arms ?? []) this.#inboxArms.set(arm, spec.name);
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

  /** Every registered spec, in registration order. */
  specs(): ConversationTypeSpec[] {
    return [...this.#types.values()].map((t) => t.spec);
  }

  /** Every SHOULD warning, in registration order. */
  warnings(): string[] {
    return [...this.#types.values()].flatMap((t) => t.warnings);
  }

  #checkRuntime(spec: ConversationTypeSpec, runtime: AnyConversationTypeRuntime): void {
    for (const method of ["open", "encodeState", "decodeState"] as const) {
      if (typeof runtime[method] !== "function") {
        throw new SpecError("invalid-spec", `conversation type ${spec.name}: runtime lacks ${method}()`, spec.name);
      }
    }
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
