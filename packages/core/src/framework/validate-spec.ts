/**
 * Structural validation of a `ConversationTypeSpec`. Specs are plain data (they may come from JavaScript or
 * JSON), so the types alone prove nothing: every field the registry, the decoder and the document generator
 * rely on is checked here.
 */
import { MissingMustError, SpecError } from "./errors.js";
import {
  type DecodingTree,
  ENCRYPTED_PAYLOAD_ARMS,
  GUARANTEES,
  MUSTS,
  PRIMITIVE_ROLES,
  REQUIREMENT_TITLES,
  SHOULDS,
} from "./type-spec.js";

type Obj = Record<string, unknown>;

const MOVE_OUTCOMES = ["rejected", "harmless", "accepted"];

/** Throws `MissingMustError` / `SpecError`; returns the warnings for missing SHOULDs. */
export function validateSpec(input: unknown): string[] {
  if (!isObj(input)) throw new SpecError("invalid-spec", "a conversation type spec must be an object");
  const name = typeof input.name === "string" && input.name.length > 0 ? input.name : undefined;
  const v = new Validator(name);
  const notJson = firstNonJsonable(input);
  if (notJson !== undefined) v.fail(notJson, "is not plain JSON data (specs must be JSON-able)");

  if (name === undefined || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) v.fail("name", "must be an identifier");
  if (typeof input.version !== "number" || !Number.isInteger(input.version) || input.version < 1) {
    v.fail("version", "must be a positive integer");
  }
  v.text(input, "summary");

  // Missing MUSTs first, in their canonical order, so the error names the first one absent.
  for (const must of MUSTS) {
    const value = input[must];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      throw new MissingMustError(must, name);
    }
  }

  const enc = v.obj(input, "encryption");
  v.text(enc, "encryption.scheme", "scheme");
  v.text(enc, "encryption.description", "description");
  const primitives = v.list(enc, "encryption.primitives", "primitives");
  primitives.forEach((p, i) => {
    const o = v.asObj(p, `encryption.primitives[${i}]`);
    v.oneOf(o.role, PRIMITIVE_ROLES, `encryption.primitives[${i}].role`);
    v.text(o, `encryption.primitives[${i}].name`, "name");
  });
  const arms = v.list(enc, "encryption.payloadArms", "payloadArms");
  arms.forEach((a, i) => {
    v.oneOf(a, ENCRYPTED_PAYLOAD_ARMS, `encryption.payloadArms[${i}]`);
  });

  const frames = v.list(input, "frames");
  const frameNames = new Set<string>();
  frames.forEach((f, i) => {
    const o = v.asObj(f, `frames[${i}]`);
    const fname = v.text(o, `frames[${i}].name`, "name");
    v.text(o, `frames[${i}].schema`, "schema");
    v.text(o, `frames[${i}].description`, "description");
    if (frameNames.has(fname)) v.fail(`frames[${i}].name`, `duplicate frame "${fname}"`);
    frameNames.add(fname);
  });

  const encoding = v.obj(input, "encoding");
  if (encoding.format !== "protobuf3") v.fail("encoding.format", 'must be "protobuf3"');
  v.text(encoding, "encoding.description", "description");
  v.textList(encoding, "encoding.layers", "layers");
  v.textList(encoding, "encoding.schemaFiles", "schemaFiles");

  const topic = v.obj(input, "contentTopic");
  v.text(topic, "contentTopic.template", "template");
  v.text(topic, "contentTopic.deliveryAddress", "deliveryAddress");
  v.text(topic, "contentTopic.description", "description");

  const cid = v.obj(input, "conversationId");
  v.text(cid, "conversationId.derivation", "derivation");
  v.text(cid, "conversationId.format", "format");
  v.text(cid, "conversationId.description", "description");

  const warnings: string[] = [];
  for (const should of SHOULDS) {
    const value = input[should];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      warnings.push(`${name}: SHOULD define "${should}" (${REQUIREMENT_TITLES[should]})`);
    }
  }

  if (input.membership != null) {
    const m = v.asObj(input.membership, "membership");
    if (typeof m.min !== "number" || !Number.isInteger(m.min) || m.min < 1) {
      v.fail("membership.min", "must be a positive integer");
    }
    if (m.max !== null && (typeof m.max !== "number" || !Number.isInteger(m.max) || m.max < (m.min as number))) {
      v.fail("membership.max", "must be null or an integer >= min");
    }
    v.text(m, "membership.description", "description");
  }

  for (const key of ["guarantees", "nonGuarantees"] as const) {
    if (input[key] == null) continue;
    const seen = new Set<unknown>();
    v.list(input, key).forEach((g, i) => {
      const o = v.asObj(g, `${key}[${i}]`);
      v.oneOf(o.property, GUARANTEES, `${key}[${i}].property`);
      v.text(o, `${key}[${i}].description`, "description");
      if (o.provenBy !== undefined) v.asText(o.provenBy, `${key}[${i}].provenBy`);
      if (o.caveat !== undefined) v.asText(o.caveat, `${key}[${i}].caveat`);
      if (seen.has(o.property)) v.fail(`${key}[${i}].property`, `"${String(o.property)}" listed twice`);
      seen.add(o.property);
    });
  }
  if (Array.isArray(input.guarantees) && Array.isArray(input.nonGuarantees)) {
    const claimed = new Set(input.guarantees.map((g) => (g as Obj).property));
    input.nonGuarantees.forEach((g, i) => {
      if (claimed.has((g as Obj).property))
        v.fail(
          `nonGuarantees[${i}]`,
          `claims and disclaims "${String((g as Obj).property)}": keep the claim and state its limit in its \`caveat\``,
        );
    });
  }

  if (input.bounds != null)
    v.list(input, "bounds").forEach((b, i) => {
      const o = v.asObj(b, `bounds[${i}]`);
      for (const f of ["resource", "bound", "attackerCost", "description"] as const) v.text(o, `bounds[${i}].${f}`, f);
      if (o.provenBy !== undefined) v.asText(o.provenBy, `bounds[${i}].provenBy`);
    });

  if (input.wireIdentity != null) {
    const w = v.asObj(input.wireIdentity, "wireIdentity");
    for (const f of ["payload", "start", "libchat", "provenBy"] as const) v.text(w, `wireIdentity.${f}`, f);
  }

  if (input.decodingTree != null) validateTree(v, input.decodingTree, "decodingTree", frameNames);

  if (input.privacy != null) {
    const p = v.asObj(input.privacy, "privacy");
    const policy = v.obj(p, "privacy.contentTopicPolicy", "contentTopicPolicy");
    v.text(policy, "privacy.contentTopicPolicy.description", "description");
    v.text(policy, "privacy.contentTopicPolicy.sharedBy", "sharedBy");
    v.text(policy, "privacy.contentTopicPolicy.linkability", "linkability");
    const binding = v.obj(p, "privacy.channelBinding", "channelBinding");
    v.text(binding, "privacy.channelBinding.description", "description");
    v.textList(binding, "privacy.channelBinding.boundTo", "boundTo");
    v.oneOf(binding.movedToOtherConversation, MOVE_OUTCOMES, "privacy.channelBinding.movedToOtherConversation");
    v.oneOf(binding.movedToOtherTopic, MOVE_OUTCOMES, "privacy.channelBinding.movedToOtherTopic");
    if (binding.provenBy !== undefined) v.asText(binding.provenBy, "privacy.channelBinding.provenBy");
  }
  return warnings;
}

/**
 * A decoding tree is valid when every branch leads to an existing node or to one of the three outcomes,
 * every readable outcome names a declared frame, every node is reachable from the root and there is no
 * cycle: then decoding is deterministic and always terminates.
 */
export function validateTree(v: Validator, input: unknown, path: string, frameNames?: ReadonlySet<string>): void {
  const tree = v.asObj(input, path);
  const root = v.text(tree, `${path}.root`, "root");
  const nodes = v.list(tree, `${path}.nodes`, "nodes");
  const byId = new Map<string, Obj>();
  nodes.forEach((n, i) => {
    const o = v.asObj(n, `${path}.nodes[${i}]`);
    const id = v.text(o, `${path}.nodes[${i}].id`, "id");
    v.text(o, `${path}.nodes[${i}].test`, "test");
    if (byId.has(id)) v.fail(`${path}.nodes[${i}].id`, `duplicate node "${id}"`);
    byId.set(id, o);
  });
  if (!byId.has(root)) v.fail(`${path}.root`, `no node "${root}"`);
  for (const [id, node] of byId) {
    const branches = v.list(node, `${path}.${id}.branches`, "branches");
    branches.forEach((b, i) => {
      const where = `${path}.${id}.branches[${i}]`;
      const o = v.asObj(b, where);
      v.text(o, `${where}.when`, "when");
      if (typeof o.next === "string") {
        if (!byId.has(o.next)) v.fail(`${where}.next`, `no node "${o.next}"`);
        return;
      }
      const out = v.asObj(o.next, `${where}.next`);
      if (out.outcome === "readable") {
        const frame = v.text(out, `${where}.next.frame`, "frame");
        if (frameNames && !frameNames.has(frame)) v.fail(`${where}.next.frame`, `"${frame}" is not a declared frame`);
      } else if (out.outcome === "badly-formed") {
        const reason = v.text(out, `${where}.next.reason`, "reason");
        if (!/^[a-z][a-z0-9-]*$/.test(reason)) v.fail(`${where}.next.reason`, "reason codes are kebab-case");
      } else if (out.outcome !== "not-for-me") {
        v.fail(`${where}.next.outcome`, 'must be "readable", "badly-formed" or "not-for-me"');
      }
    });
  }
  // Depth-first walk: detects cycles and collects reachable nodes.
  const state = new Map<string, "open" | "done">();
  const visit = (id: string, trail: string): void => {
    const s = state.get(id);
    if (s === "open") v.fail(path, `cycle through "${id}" (${trail})`);
    if (s === "done") return;
    state.set(id, "open");
    for (const b of (byId.get(id)!.branches as Obj[]) ?? []) {
      if (typeof b.next === "string") visit(b.next, `${trail} -> ${b.next}`);
    }
    state.set(id, "done");
  };
  visit(root, root);
  for (const id of byId.keys()) if (!state.has(id)) v.fail(`${path}.nodes`, `node "${id}" is unreachable`);
}

/** Validates a tree on its own (used for FRAMEWORK_DECODING_TREE in tests). */
export function validateDecodingTree(tree: DecodingTree): void {
  validateTree(new Validator(undefined), tree, "decodingTree");
}

class Validator {
  constructor(readonly typeName: string | undefined) {}

  fail(path: string, problem: string): never {
    throw new SpecError(
      "invalid-spec",
      `conversation type ${this.typeName ?? "(unnamed)"}: ${path} ${problem}`,
      this.typeName,
      path,
    );
  }

  asObj(value: unknown, path: string): Obj {
    if (!isObj(value)) this.fail(path, "must be an object");
    return value;
  }

  obj(parent: Obj, path: string, key = path): Obj {
    return this.asObj(parent[key], path);
  }

  asText(value: unknown, path: string): string {
    if (typeof value !== "string" || value.trim().length === 0) this.fail(path, "must be a non-empty string");
    return value;
  }

  text(parent: Obj, path: string, key = path): string {
    return this.asText(parent[key], path);
  }

  list(parent: Obj, path: string, key = path): unknown[] {
    const value = parent[key];
    if (!Array.isArray(value) || value.length === 0) this.fail(path, "must be a non-empty array");
    return value;
  }

  textList(parent: Obj, path: string, key = path): string[] {
    return this.list(parent, path, key).map((item, i) => this.asText(item, `${path}[${i}]`));
  }

  oneOf(value: unknown, allowed: readonly string[], path: string): void {
    if (typeof value !== "string" || !allowed.includes(value)) {
      this.fail(path, `must be one of ${allowed.join(", ")} (got ${JSON.stringify(value) ?? "undefined"})`);
    }
  }
}

export type { Validator };

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The path of the first value that JSON cannot carry faithfully (function, bigint, undefined, non-finite
 * number, class instance, cycle), or undefined when the whole value is plain data.
 */
export function firstNonJsonable(value: unknown, path = "spec", seen = new Set<unknown>()): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (typeof value !== "object") return path;
  if (seen.has(value)) return path;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = firstNonJsonable(value[i], `${path}[${i}]`, seen);
      if (bad) return bad;
    }
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return path;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue; // optional fields left undefined are simply absent in JSON
      const bad = firstNonJsonable(v, `${path}.${k}`, seen);
      if (bad) return bad;
    }
  }
  seen.delete(value);
  return undefined;
}
