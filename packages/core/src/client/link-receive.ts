/**
 * The link payloads as they arrive (docs/ACCOUNTS.md §4), each taken inside the step that received it, in its
 * transaction, or refused with an error event and nothing of the link written:
 * - new device: `commit` only over a conversation started to the bundle key of the code it shows, and only the
 *   first one per code (a man in the middle gets one try); it answers with its nonce in the same commit;
 *   `reveal` must open that commitment; `offer` only over that conversation once the words are known;
 * - primary: `nonce` only over the conversation of its link, once; it answers with its reveal.
 */
import { toHex } from "../base/bytes.js";
import type { Transaction } from "../framework/store.js";
import { decodeSignedDeviceList } from "../identity/account/device-list.js";
import { AccountError } from "../identity/account/errors.js";
import { sameBytes } from "../identity/account/keys.js";
import { LINK_NONCE_BYTES, linkWords, opensCommitment } from "../identity/account/sas.js";
import type { AccountHost } from "./account.js";
import type { ControlIn, StepPlan } from "./effects.js";
import { asParley, ClientError } from "./errors.js";
import type { LinkAccount } from "./link.js";
import {
  type DeviceLink,
  decodeDeviceLink,
  decodeLinkPayload,
  decodePending,
  decodePrimaryLink,
  encodeDeviceLink,
  encodeLinkPayload,
  encodePrimaryLink,
  isLinkPayload,
  LINK_DEVICE_KEY,
  LINK_PENDING_KEY,
  LINK_PRIMARY_KEY,
  type LinkPayload,
} from "./link-wire.js";

interface Waiter {
  readonly promise: Promise<readonly string[]>;
  resolve(words: readonly string[]): void;
  reject(error: Error): void;
}

/** Promises of the words of a link conversation, settled after the commit that made them known. */
export class LinkWaiters {
  readonly #all = new Map<string, Waiter>();

  #get(conversationId: string): Waiter {
    let w = this.#all.get(conversationId);
    if (!w) {
      let resolve!: Waiter["resolve"];
      let reject!: Waiter["reject"];
      const promise = new Promise<readonly string[]>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      promise.catch(() => {});
      w = { promise, resolve, reject };
      this.#all.set(conversationId, w);
    }
    return w;
  }

  wait(conversationId: string): Promise<readonly string[]> {
    return this.#get(conversationId).promise;
  }

  resolve(conversationId: string, words: readonly string[]): void {
    this.#get(conversationId).resolve(words);
  }

  reject(conversationId: string, error: Error): void {
    this.#get(conversationId).reject(error);
  }
}

export class LinkExchange {
  constructor(
    private readonly host: AccountHost,
    private readonly account: LinkAccount,
    private readonly waiters: LinkWaiters,
  ) {}

  /** The pairwise type's binding and intro key of a conversation (undefined when it is none of that type). */
  async pairwise(tx: Transaction, conversationId: string): Promise<{ binding?: Uint8Array; introKey?: Uint8Array }> {
    const runtime = this.host.registry.starter("pairwise");
    const lifecycle = runtime?.lifecycle;
    if (!runtime || !lifecycle?.binding) throw new ClientError("unknown-conversation", "no pairwise type");
    const state = await this.host.steps.context(tx, runtime).states.get(conversationId);
    if (state === undefined) throw new ClientError("unknown-conversation", "no such link conversation");
    return { binding: lifecycle.binding(state), introKey: lifecycle.introKey?.(state) };
  }

  async receive(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<boolean> {
    if (!isLinkPayload(m.payload)) return false;
    try {
      const p = decodeLinkPayload(m.payload);
      if (p.kind === "offer") await this.#offer(tx, m, p.list, plan);
      else if (p.kind === "nonce") await this.#nonce(tx, m, p.nonce, plan);
      else await this.#onDevice(tx, m, p, plan);
    } catch (e) {
      plan.events.push({ type: "error", conversationId: m.conversationId, error: asParley(e) });
    }
    return true;
  }

  /** The words of the link conversation from both nonces. */
  async #words(tx: Transaction, conversationId: string, primary: Uint8Array, device: Uint8Array) {
    const { binding } = await this.pairwise(tx, conversationId);
    if (!binding) throw new ClientError("unknown-conversation", "the link conversation has no binding");
    return linkWords(this.host.crypto, binding, primary, device);
  }

  #known(plan: StepPlan, conversationId: string, words: readonly string[], role: "primary" | "device"): void {
    plan.events.push({ type: "link-words", conversationId, words, role });
    plan.after.push(() => this.waiters.resolve(conversationId, words));
  }

  /** New device, no account yet: the code it shows, and `m` over a conversation started to that code's bundle. */
  async #shown(tx: Transaction, m: ControlIn): Promise<void> {
    if (this.account.current()) throw new ClientError("link-not-expected", "this device already has an account");
    const shown = decodePending(await tx.get(this.account.ns, LINK_PENDING_KEY));
    if (!shown) throw new ClientError("link-not-expected", "this device shows no link code");
    const { introKey } = await this.pairwise(tx, m.conversationId);
    if (!introKey || !sameBytes(introKey, shown))
      throw new ClientError("link-wrong-conversation", "not the conversation started to the link code shown");
  }

  /** The device's link record, which must be of `m`'s conversation. */
  async #deviceLink(tx: Transaction, m: ControlIn): Promise<DeviceLink> {
    const d = decodeDeviceLink(await tx.get(this.account.ns, LINK_DEVICE_KEY));
    if (!d) throw new ClientError("link-out-of-order", "no commitment was taken for this link");
    if (d.conversationId !== m.conversationId)
      throw new ClientError("link-wrong-conversation", "another conversation carries this device's link");
    return d;
  }

  async #onDevice(tx: Transaction, m: ControlIn, p: LinkPayload, plan: StepPlan): Promise<void> {
    await this.#shown(tx, m);
    const ns = this.account.ns;
    if (p.kind === "commit") {
      // One commitment per code shown: a second (from anyone, over any conversation) is refused.
      if ((await tx.get(ns, LINK_DEVICE_KEY)) !== undefined)
        throw new ClientError("link-commit-repeated", "this link code already took a commitment");
      const nonce = this.host.crypto.randomBytes(LINK_NONCE_BYTES);
      const record = { conversationId: m.conversationId, commitment: p.commitment, nonce, sas: undefined };
      tx.put(ns, LINK_DEVICE_KEY, encodeDeviceLink(record));
      await this.host.control.send(tx, plan, m.conversationId, encodeLinkPayload({ kind: "nonce", nonce }));
      return;
    }
    if (p.kind !== "reveal") throw new ClientError("link-payload-malformed", "not a payload for this device");
    const d = await this.#deviceLink(tx, m);
    if (d.sas) throw new ClientError("link-out-of-order", "this link's nonce was already revealed");
    if (!opensCommitment(this.host.crypto, d.commitment, p.nonce))
      throw new ClientError("link-commit-mismatch", "the revealed nonce does not open the commitment");
    const sas = await this.#words(tx, m.conversationId, p.nonce, d.nonce);
    tx.put(ns, LINK_DEVICE_KEY, encodeDeviceLink({ ...d, sas: sas.bytes }));
    this.#known(plan, m.conversationId, sas.words, "device");
  }

  /** Primary: the device's nonce over its link conversation, once; the reveal goes in the same commit. */
  async #nonce(tx: Transaction, m: ControlIn, nonce: Uint8Array, plan: StepPlan): Promise<void> {
    if (!this.account.current()?.signer) throw new ClientError("link-not-expected", "this device links no device");
    const ns = this.account.ns;
    const rec = decodePrimaryLink(await tx.get(ns, LINK_PRIMARY_KEY));
    if (!rec) throw new ClientError("link-not-expected", "no link waits for a nonce");
    if (rec.conversationId !== m.conversationId)
      throw new ClientError("link-wrong-conversation", "not the conversation of the link begun");
    if (rec.sas) throw new ClientError("link-out-of-order", "this link already took the device's nonce");
    const sas = await this.#words(tx, m.conversationId, rec.nonce, nonce);
    tx.put(ns, LINK_PRIMARY_KEY, encodePrimaryLink({ ...rec, sas: sas.bytes }));
    const reveal = encodeLinkPayload({ kind: "reveal", nonce: rec.nonce });
    await this.host.control.send(tx, plan, m.conversationId, reveal);
    this.#known(plan, m.conversationId, sas.words, "primary");
  }

  async #offer(tx: Transaction, m: ControlIn, bytes: Uint8Array, plan: StepPlan): Promise<void> {
    const held = this.account.current();
    const r = decodeSignedDeviceList(this.host.crypto, bytes, held?.accountKey);
    if (!r.ok) throw r.error;
    const list = r.value;
    if (!list.list.devices.some((d) => sameBytes(d.installationKey, this.host.installation().publicKey)))
      throw new ClientError("not-on-account-list", "the linked list does not name this device");
    // The account expected is the one of the device the words were compared with: the offer's sender.
    if (!list.list.devices.some((d) => toHex(d.installationKey) === m.peer))
      throw new ClientError("link-wrong-account", "the list is not of the account of the device that sent it");
    if (held) {
      // A resent offer of a link already adopted (same bytes): nothing to do.
      if (sameBytes(list.bytes, held.list.bytes)) return;
      if (list.list.version <= held.list.list.version)
        throw new AccountError("device-list-rollback", "not newer than the list held");
      this.account.stage(tx, plan, { ...held, list });
      return;
    }
    await this.#shown(tx, m);
    const d = await this.#deviceLink(tx, m);
    if (!d.sas) throw new ClientError("link-out-of-order", "an offer before the words were shown");
    tx.delete(this.account.ns, LINK_PENDING_KEY);
    tx.delete(this.account.ns, LINK_DEVICE_KEY);
    this.account.stage(tx, plan, { accountKey: list.list.accountKey, list });
    const accountKey = toHex(list.list.accountKey);
    plan.events.push({ type: "account-linked", conversationId: m.conversationId, accountKey });
  }
}
