/**
 * Linking a device over the network (docs/ACCOUNTS.md §4), the calls. The new device shows a link code (its
 * intro bundle) and records the code's bundle key; the primary starts a PrivateV1 conversation to it and, in
 * the same commit, sends a commitment to a random nonce. The device answers with its own nonce (once per code),
 * the primary reveals its nonce, and both show six words of the conversation's binding and both nonces (the
 * exchange: link-receive.ts). Only after the user confirms on the primary does it sign the next list naming the
 * new device and send it over that conversation; the new device adopts it in the commit of the frame that
 * carried it.
 */
import { toHex } from "../base/bytes.js";
import { Transaction } from "../framework/store.js";
import { addDevice, encodeSignedDeviceList } from "../identity/account/device-list.js";
import { sameBytes } from "../identity/account/keys.js";
import { encodeLinkCode, parseLinkCode } from "../identity/account/link-code.js";
import { LINK_NONCE_BYTES, linkCommitment, sasOfBytes } from "../identity/account/sas.js";
import { encodeIntroBundle, type IntroBundle, parseIntroBundle } from "../identity/intro-bundle.js";
import type { AccountHost } from "./account.js";
import type { AccountState } from "./account-state.js";
import type { ControlIn, StepPlan } from "./effects.js";
import { ClientError } from "./errors.js";
import { LinkExchange, LinkWaiters } from "./link-receive.js";
import {
  decodeDeviceLink,
  decodePending,
  decodePrimaryLink,
  encodeLinkPayload,
  encodePending,
  encodePrimaryLink,
  LINK_DEVICE_KEY,
  LINK_PENDING_KEY,
  LINK_PRIMARY_KEY,
  type PrimaryLink,
} from "./link-wire.js";
import { CONVERSATION_INFO_NS } from "./records.js";

export { isLinkPayload, LINK_PAYLOAD_PREFIX, LINK_PENDING_KEY } from "./link-wire.js";

/** What ClientAccount lends the link: its state, staged in a caller's transaction. */
export interface LinkAccount {
  current(): AccountState | undefined;
  stage(tx: Transaction, plan: StepPlan, next: AccountState): void;
  readonly ns: string;
}

/** A link begun on the primary. */
export interface PendingLink {
  /** The PrivateV1 conversation to the new device. */
  readonly conversationId: string;
  /** The new device's installation key, lower hex. */
  readonly device: string;
  /** The six words, once both nonces are exchanged (rejects with `link-cancelled` after `cancel`). */
  readonly words: Promise<readonly string[]>;
  /** Signs the next list with the new device and sends it (one commit); `link-words-pending` before the words. */
  confirm(name?: string): Promise<void>;
  /** Forgets the link: nothing is signed or sent. */
  cancel(): void;
}

export class ClientLink {
  #begun: string | undefined;
  readonly #waiters = new LinkWaiters();
  readonly #exchange: LinkExchange;

  constructor(
    private readonly host: AccountHost,
    private readonly account: LinkAccount,
  ) {
    this.#exchange = new LinkExchange(host, account, this.#waiters);
  }

  /** New device: the link code to show; a new code starts a new link (any earlier one is forgotten). */
  async linkCode(): Promise<string> {
    if (this.account.current()) throw new ClientError("account-exists", "this installation already has an account");
    // Outside the step: the bundle is made in a step of its own. A fresh bundle key, shared with no one else:
    // only a conversation started to it (to this code) may carry the link.
    const parsed = parseIntroBundle(this.host.crypto, await this.host.introBundle({ fresh: true }));
    if (!parsed.ok) throw parsed.error;
    // The newest bundle key is the one `introBundle()` hands out next: make another one the newest.
    await this.host.introBundle({ fresh: true });
    return this.host.step(async () => {
      if (this.account.current()) throw new ClientError("account-exists", "this installation already has an account");
      const ns = this.account.ns;
      const old = decodeDeviceLink(await this.host.steps.store.get(ns, LINK_DEVICE_KEY));
      await this.host.steps.store.commit([
        { op: "put", ns, key: LINK_PENDING_KEY, value: encodePending(parsed.bundle.ephemeralKey) },
        { op: "delete", ns, key: LINK_DEVICE_KEY },
      ]);
      if (old) this.#waiters.reject(old.conversationId, new ClientError("not-a-link", "a new link code replaced it"));
      return encodeLinkCode(this.host.crypto, parsed.bundle);
    });
  }

  /** New device: the words of the link conversation `conversationId`, once the primary has revealed its nonce. */
  async linkWords(conversationId: string): Promise<readonly string[]> {
    const r = await this.host.step(
      async (): Promise<{ words: readonly string[] } | { later: Promise<readonly string[]> }> => {
        const ns = this.account.ns;
        const tx = new Transaction(this.host.steps.store);
        const d = decodeDeviceLink(await tx.get(ns, LINK_DEVICE_KEY));
        if (d && d.conversationId !== conversationId)
          throw new ClientError("not-a-link", "another conversation carries this device's link");
        if (d?.sas) return { words: sasOfBytes(d.sas).words };
        const shown = decodePending(await tx.get(ns, LINK_PENDING_KEY));
        if (!shown) throw new ClientError("not-a-link", "this device shows no link code");
        const { introKey } = await this.#exchange.pairwise(tx, conversationId);
        if (!introKey || !sameBytes(introKey, shown))
          throw new ClientError("not-a-link", "this conversation was not started to the link code shown");
        // Registered inside the step: the reveal is taken in a later step, so it cannot be missed. Wrapped:
        // a promise returned from the step would hold the serial executor until the words exist.
        return { later: this.#waiters.wait(conversationId) };
      },
    );
    return "later" in r ? r.later : r.words;
  }

  /** Primary: starts the link conversation to the device of `code` (with the commitment), or resumes it. */
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
      const { steps } = this.host;
      const stored = decodePrimaryLink(await steps.store.get(this.account.ns, LINK_PRIMARY_KEY));
      // After a restart, the same code resumes the link it began: the device takes one commitment per code.
      const resumed =
        stored &&
        sameBytes(stored.device, bundle.installationKey) &&
        sameBytes(stored.bundleKey, bundle.ephemeralKey) &&
        (await steps.store.get(CONVERSATION_INFO_NS, stored.conversationId)) !== undefined;
      const conversationId = resumed ? stored.conversationId : await this.#start(bundle);
      if (resumed && stored.sas) this.#waiters.resolve(conversationId, sasOfBytes(stored.sas).words);
      return this.#pending(conversationId, bundle.installationKey);
    });
  }

  /** One commit: the conversation to `bundle`, the primary's link record and its commitment, sent. */
  #start(bundle: IntroBundle): Promise<string> {
    const { steps, control } = this.host;
    const content = this.host.encodeContent({ kind: "text", text: "Linking this device: compare the six words" });
    return steps.unit(async (tx, plan) => {
      const conversationId = await control.startPairwise(tx, plan, encodeIntroBundle(bundle), content);
      const nonce = this.host.crypto.randomBytes(LINK_NONCE_BYTES);
      const record: PrimaryLink = {
        conversationId,
        device: bundle.installationKey,
        bundleKey: bundle.ephemeralKey,
        nonce,
        sas: undefined,
      };
      tx.put(this.account.ns, LINK_PRIMARY_KEY, encodePrimaryLink(record));
      const commitment = linkCommitment(this.host.crypto, nonce);
      await this.host.control.send(tx, plan, conversationId, encodeLinkPayload({ kind: "commit", commitment }));
      return conversationId;
    });
  }

  #pending(conversationId: string, device: Uint8Array): PendingLink {
    this.#begun = conversationId;
    const words = this.#waiters.wait(conversationId);
    // Marked handled: a cancelled link's rejection must not surface as unhandled when nobody waits for it.
    words.catch(() => {});
    const done = () => {
      if (this.#begun === conversationId) this.#begun = undefined;
    };
    return {
      conversationId,
      device: toHex(device),
      words,
      confirm: (name = "device") =>
        this.#confirm(conversationId, device, name).then((sent) => {
          if (sent) done();
        }),
      cancel: () => {
        done();
        this.#waiters.reject(conversationId, new ClientError("link-cancelled", "this link was cancelled"));
        this.host.step(() => this.#forget(conversationId)).catch(() => {});
      },
    };
  }

  /** Deletes the primary's record of the link of `conversationId` (a later reveal or offer is then refused). */
  async #forget(conversationId: string): Promise<void> {
    const { store } = this.host.steps;
    const stored = decodePrimaryLink(await store.get(this.account.ns, LINK_PRIMARY_KEY));
    if (stored?.conversationId === conversationId)
      await store.commit([{ op: "delete", ns: this.account.ns, key: LINK_PRIMARY_KEY }]);
  }

  /** True once the offer is committed and sent; throws when it cannot be (yet). */
  #confirm(conversationId: string, device: Uint8Array, name: string): Promise<boolean> {
    return this.host.step(async () => {
      if (this.#begun !== conversationId) throw new ClientError("link-cancelled", "this link was cancelled");
      const s = this.account.current();
      if (!s?.signer) throw new ClientError("not-account-primary", "only the device holding the account key links");
      const ns = this.account.ns;
      const stored = decodePrimaryLink(await this.host.steps.store.get(ns, LINK_PRIMARY_KEY));
      if (stored?.conversationId !== conversationId) throw new ClientError("link-cancelled", "this link was cancelled");
      if (!stored.sas) throw new ClientError("link-words-pending", "the words of this link are not known yet");
      const list = addDevice(this.host.crypto, s.signer, s.list.list, {
        installationKey: device,
        name,
        addedAt: this.host.now(),
      });
      const payload = encodeLinkPayload({ kind: "offer", list: encodeSignedDeviceList(list) });
      await this.host.steps.unit(async (tx, plan) => {
        this.account.stage(tx, plan, { ...s, list });
        tx.delete(ns, LINK_PRIMARY_KEY);
        await this.host.control.send(tx, plan, conversationId, payload);
      });
      return true;
    });
  }

  /**
   * Inside the step that received `m`: a link payload is taken in that transaction, or refused with an error
   * event and nothing written. True when `m` was a link payload (then no other type sees it).
   */
  receive(tx: Transaction, m: ControlIn, plan: StepPlan): Promise<boolean> {
    return this.#exchange.receive(tx, m, plan);
  }
}
