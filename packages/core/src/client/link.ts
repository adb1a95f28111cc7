/**
 * Linking a device over the network (docs/ACCOUNTS.md §4). The new device shows a link code (its intro bundle);
 * the primary starts a PrivateV1 conversation to it through an InboxV1 handshake; both show six words derived
 * from that handshake's secret; only after the user confirms on the primary does it sign the next list naming
 * the new device and send it over that conversation as a link payload, which the new device adopts in the same
 * commit as the frame that carried it. A refused payload changes nothing.
 */
import { concatBytes, constantTimeEqual, toHex, utf8 } from "../base/bytes.js";
import { Transaction } from "../framework/store.js";
import { addDevice, decodeSignedDeviceList, encodeSignedDeviceList } from "../identity/account/device-list.js";
import { AccountError } from "../identity/account/errors.js";
import { sameBytes } from "../identity/account/keys.js";
import { encodeLinkCode, parseLinkCode } from "../identity/account/link-code.js";
import { linkSas } from "../identity/account/sas.js";
import { encodeIntroBundle, parseIntroBundle } from "../identity/intro-bundle.js";
import type { AccountHost } from "./account.js";
import type { AccountState } from "./account-state.js";
import type { ControlIn, StepPlan } from "./effects.js";
import { asParley, ClientError, lifecycleCall } from "./errors.js";

/** Marks a control payload as a link offer: no GroupV1 or AccountDirectV1 frame starts with these bytes. */
export const LINK_PAYLOAD_PREFIX = utf8("parley-link-1\u0000");
/** The new device's record that it showed a link code and waits for an offer (survives a restart). */
export const LINK_PENDING_KEY = "link-pending";

/** What ClientAccount lends the link: its state, staged in a caller's transaction. */
export interface LinkAccount {
  current(): AccountState | undefined;
  stage(tx: Transaction, plan: StepPlan, next: AccountState): void;
  readonly ns: string;
}

/** A link begun on the primary, waiting for the user to compare the words. */
export interface PendingLink {
  /** The six words, as the new device shows them. */
  readonly words: readonly string[];
  /** The PrivateV1 conversation to the new device. */
  readonly conversationId: string;
  /** The new device's installation key, lower hex. */
  readonly device: string;
  /** Signs the next list with the new device and sends it to the device (one commit). */
  confirm(name?: string): Promise<void>;
  /** Forgets the link: nothing is signed or sent. */
  cancel(): void;
}

export function isLinkPayload(payload: Uint8Array): boolean {
  const n = LINK_PAYLOAD_PREFIX.length;
  return payload.length > n && constantTimeEqual(payload.subarray(0, n), LINK_PAYLOAD_PREFIX);
}

export class ClientLink {
  #begun: string | undefined;

  constructor(
    private readonly host: AccountHost,
    private readonly account: LinkAccount,
  ) {}

  /** New device: the link code to show; it then accepts one list from the primary that links it. */
  async linkCode(): Promise<string> {
    if (this.account.current()) throw new ClientError("account-exists", "this installation already has an account");
    // Outside the step: the bundle is made in a step of its own.
    const parsed = parseIntroBundle(this.host.crypto, await this.host.introBundle());
    if (!parsed.ok) throw parsed.error;
    return this.host.step(async () => {
      if (this.account.current()) throw new ClientError("account-exists", "this installation already has an account");
      await this.host.steps.store.commit([{ op: "put", ns: this.account.ns, key: LINK_PENDING_KEY, value: utf8("1") }]);
      return encodeLinkCode(this.host.crypto, parsed.bundle);
    });
  }

  /** New device: the words of the link conversation `conversationId` (started by the primary). */
  linkWords(conversationId: string): Promise<readonly string[]> {
    return this.host.step(() => this.#words(conversationId));
  }

  /** Primary: starts the link conversation to the device of `code` and returns the words to compare. */
  beginLink(code: string): Promise<PendingLink> {
    const parsed = parseLinkCode(this.host.crypto, code);
    if (!parsed.ok) return Promise.reject(parsed.error);
    const bundle = parsed.value;
    return this.host.step(async () => {
      const s = this.account.current();
      if (!s) throw new ClientError("no-account", "this installation belongs to no account");
      if (!s.signer) throw new ClientError("not-account-primary", "only the device holding the account key links");
      if (this.#begun) throw new ClientError("link-in-progress", "another link waits for its confirmation");
      if (sameBytes(bundle.installationKey, this.host.installation().publicKey))
        throw new ClientError("own-bundle", "this link code is this device's own");
      const { registry, steps, effects } = this.host;
      const starter = registry.starter("pairwise");
      const start = starter?.lifecycle?.start;
      if (!starter || !start) throw new ClientError("unknown-conversation", "no pairwise type");
      const content = this.host.encodeContent({ kind: "text", text: "Linking this device: compare the six words" });
      const conversationId = await steps.unit(async (tx, plan) => {
        const request = { kind: "pairwise" as const, bundle: encodeIntroBundle(bundle), content };
        const r = await lifecycleCall(() => start(steps.context(tx, starter), request));
        await effects.apply(tx, r.effects, plan);
        return r.value.conversationId;
      });
      const words = await this.#words(conversationId);
      const device = toHex(bundle.installationKey);
      this.#begun = conversationId;
      const done = () => {
        if (this.#begun === conversationId) this.#begun = undefined;
      };
      return {
        words,
        conversationId,
        device,
        confirm: (name = "device") => this.#confirm(conversationId, bundle.installationKey, name).finally(done),
        cancel: done,
      };
    });
  }

  /** Both sides hash the pairwise type's binding of the link conversation (PrivateV1: the responder's id). */
  async #words(conversationId: string): Promise<readonly string[]> {
    const runtime = this.host.registry.starter("pairwise");
    const binding = runtime?.lifecycle?.binding;
    if (!runtime || !binding) throw new ClientError("unknown-conversation", "no pairwise type with a binding");
    // A read: the transaction is never committed.
    const tx = new Transaction(this.host.steps.store);
    const state = await this.host.steps.context(tx, runtime).states.get(conversationId);
    const bytes = state === undefined ? undefined : binding(state);
    if (!bytes) throw new ClientError("unknown-conversation", "no such link conversation");
    return linkSas(this.host.crypto, concatBytes(utf8("parley-link "), bytes)).words;
  }

  #confirm(conversationId: string, device: Uint8Array, name: string): Promise<void> {
    return this.host.step(async () => {
      if (this.#begun !== conversationId) throw new ClientError("link-cancelled", "this link was cancelled");
      const s = this.account.current();
      if (!s?.signer) throw new ClientError("not-account-primary", "only the device holding the account key links");
      const signer = s.signer;
      const list = addDevice(this.host.crypto, signer, s.list.list, {
        installationKey: device,
        name,
        addedAt: this.host.now(),
      });
      const payload = concatBytes(LINK_PAYLOAD_PREFIX, encodeSignedDeviceList(list));
      await this.host.steps.unit(async (tx, plan) => {
        this.account.stage(tx, plan, { ...s, list });
        await this.host.control.send(tx, plan, conversationId, payload);
      });
    });
  }

  /**
   * New device, inside the step that received `m`: a link offer is adopted in that transaction, or refused with
   * an error event and nothing written. True when `m` was a link payload (then no other type sees it).
   */
  async receive(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<boolean> {
    if (!isLinkPayload(m.payload)) return false;
    try {
      await this.#adopt(tx, m, plan);
    } catch (e) {
      plan.events.push({ type: "error", conversationId: m.conversationId, error: asParley(e) });
    }
    return true;
  }

  async #adopt(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<void> {
    const held = this.account.current();
    const r = decodeSignedDeviceList(
      this.host.crypto,
      m.payload.subarray(LINK_PAYLOAD_PREFIX.length),
      held?.accountKey,
    );
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
    if ((await tx.get(this.account.ns, LINK_PENDING_KEY)) === undefined)
      throw new ClientError("link-not-expected", "this device shows no link code");
    tx.delete(this.account.ns, LINK_PENDING_KEY);
    this.account.stage(tx, plan, { accountKey: list.list.accountKey, list });
  }
}
