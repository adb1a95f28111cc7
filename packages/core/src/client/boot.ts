/**
 * Starting a Client: its identity (created in an empty store, or read back), then every stored conversation
 * routed and its topic watched, the standing conversations of the types that keep one, and the types that
 * resume their conversations at boot (a group asks its history for what it missed).
 */
import { fromUtf8 } from "../base/bytes.js";
import { systemClock } from "../base/clock.js";
import { builtinTypes, identityInbox } from "../conversations/catalog.js";
import { conversationWriteOps, loadConversationRefs, loadState } from "../framework/conversation-store.js";
import type { HintIndex } from "../framework/hints.js";
import type { Registry } from "../framework/registry.js";
import type { AnyConversationTypeRuntime, ConversationRef } from "../framework/runtime.js";
import type { Store, WriteOp } from "../framework/store.js";
import { DEFAULT_BUNDLE_POLICY } from "../identity/bundle-keys.js";
import { createInstallation, type Installation } from "../identity/installation.js";
import type { ClientParts } from "./assembly.js";
import { builtinTypesOptions } from "./config.js";
import type { EffectApplier } from "./effects.js";
import { ClientError } from "./errors.js";
import type { Network } from "./network.js";
import { decodeJson, encodeJson, META_NS } from "./records.js";
import { cached, type Steps } from "./step.js";
import type { ClientOptions, ConversationInfo } from "./types.js";

export interface Identity {
  readonly installation: Installation;
  readonly inbox: ConversationRef;
}

/** An identity read from the store, with the last history sequence number it used. */
export interface StoredIdentity {
  readonly identity: Identity;
  readonly seq: number;
}

export async function hasIdentity(store: Store): Promise<boolean> {
  return (await store.get(META_NS, "inbox")) !== undefined;
}

/** Creates a new identity in an empty store. Throws ClientError("identity-exists") if it has one. */
export async function createIdentity(options: ClientOptions): Promise<StoredIdentity> {
  if (await hasIdentity(options.store))
    throw new ClientError("identity-exists", "the store already holds an identity: use Client.open");
  const now = (options.clock ?? systemClock).now();
  const installation = createInstallation(options.crypto, now);
  const policy = { ...DEFAULT_BUNDLE_POLICY, ...options.config?.bundle };
  const inbox = identityInbox.ref(options.crypto, installation.publicKey);
  const ops: WriteOp[] = [
    ...conversationWriteOps(inbox, identityInbox.create(installation, policy)),
    { op: "put", ns: META_NS, key: "inbox", value: encodeJson(inbox) },
  ];
  await options.store.commit(ops);
  return { identity: { installation, inbox }, seq: 0 };
}

/** Reads the identity back. Throws ClientError("no-identity"). */
export async function openIdentity(options: ClientOptions): Promise<StoredIdentity> {
  const inbox = decodeJson<ConversationRef>(await options.store.get(META_NS, "inbox"));
  if (!inbox) throw new ClientError("no-identity", "the store holds no identity: use Client.create");
  const stateBytes = await loadState(options.store, inbox);
  const installation = stateBytes && identityInbox.installation(stateBytes);
  if (!installation) throw new ClientError("no-identity", "the stored identity is unreadable");
  const seqBytes = await options.store.get(META_NS, "seq");
  const seq = seqBytes ? Number(fromUtf8(seqBytes) ?? "0") : 0;
  return { identity: { installation, inbox }, seq };
}

/**
 * The built-in types (yielding capabilities to an application's own), then the account's types when the store
 * holds an account (account.ts), before any conversation is resumed.
 */
export async function registerTypes(
  p: Pick<ClientParts, "config" | "clock" | "registry" | "states" | "account">,
  options: ClientOptions,
  installation: Installation,
): Promise<void> {
  const identity = { publicKey: installation.publicKey, secretKey: installation.secretKey };
  const types = builtinTypesOptions(p.config, options, { crypto: options.crypto, clock: p.clock, identity });
  for (const t of await builtinTypes(types)) p.registry.register(cached(t, p.states), { yieldCapabilities: true });
  await p.account.load(types);
}

export interface BootHost {
  readonly store: Store;
  readonly registry: Registry;
  readonly index: HintIndex;
  readonly steps: Steps;
  readonly effects: EffectApplier;
  readonly network: Network;
  /** This installation's key, lower hex. */
  self(): string;
  conversations(): Promise<ConversationInfo[]>;
  /** Runs `fn` as one serial step. */
  step(fn: () => Promise<void>): Promise<void>;
}

/** Routes and watches every stored conversation, creates the standing ones, and resumes what its type resumes. */
export async function bootConversations(host: BootHost): Promise<void> {
  const { index, network, registry } = host;
  const refs = await loadConversationRefs(host.store);
  for (const ref of refs) index.add(ref);
  for (const topic of new Set(refs.map((r) => r.contentTopic))) await network.subscribe(topic);
  await standing(host);
  // Conversations whose type resumes them (a group we are, or may again be, a member of): listen on its
  // topic, then ask its history for what was published while we were away.
  const resumed: { runtime: AnyConversationTypeRuntime; ref: ConversationRef }[] = [];
  for (const info of await host.conversations()) {
    const runtime = registry.runtime(info.type);
    if (!runtime?.lifecycle?.resume || info.status === "left") continue;
    const ref: ConversationRef = { id: info.id, type: info.type, contentTopic: info.contentTopic };
    index.add(ref);
    await network.subscribe(ref.contentTopic);
    resumed.push({ runtime, ref });
  }
  const { steps, effects } = host;
  for (const { runtime, ref } of resumed) {
    const resume = runtime.lifecycle!.resume!;
    await host.step(() =>
      steps.unit(async (tx, plan) => {
        await effects.apply(tx, await resume(steps.context(tx, runtime), ref), plan);
      }),
    );
  }
}

/** Standing conversations of types that declare one (a type's own inbox): created once, then routed. */
async function standing(host: BootHost): Promise<void> {
  const self = host.self();
  for (const runtime of host.registry.runtimes()) {
    const s = runtime.lifecycle?.standing?.(self);
    if (!s) continue;
    if (!host.index.has(s.ref.id))
      await host.steps.store.commit(conversationWriteOps(s.ref, runtime.encodeState(s.state)));
    host.index.add(s.ref);
    await host.network.subscribe(s.ref.contentTopic);
  }
}
