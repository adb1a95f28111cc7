import type { ClientConfig } from "@parley/core";
import type { WakuDelivery } from "@parley/waku";
import { fromClientEvent } from "../chat/events.js";
import type { DeliveryState } from "../chat/model.js";
import { connectClient, waitConnected } from "../network.js";
import { Profile } from "../profile.js";
import type { Transcript } from "./transcript.js";

export interface Received {
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: string;
  readonly sender?: string;
}

/** Who is who in the demo: installation keys to names, group ids to group names (for the transcript). */
export interface Directory {
  readonly people: Map<string, string>;
  readonly groups: Map<string, string>;
}

/** Client settings that make the demo's acknowledgements visible within a second or two. */
export const DEMO_CLIENT_CONFIG: Partial<ClientConfig> = {
  sweepIntervalMs: 250,
  ackDelayMs: 150,
  // Long enough that what Bob missed while offline comes from the node's Store, not from Alice's resends.
  resendAfterMs: 60_000,
};

/**
 * One person of the demo: a profile (SQLite) over its own WakuDelivery connected to the demo node. It
 * narrates what its Client reports and lets the script wait for a given event, always with a deadline.
 */
export class Actor {
  readonly received: Received[] = [];
  readonly states = new Map<string, DeliveryState>();
  readonly started: { conversationId: string; peer: string }[] = [];
  /** Groups this actor was removed from or left. */
  readonly gone = new Set<string>();
  private readonly texts = new Map<string, string>();
  private readonly earlyStates = new Map<string, DeliveryState[]>();
  /** Set while the script replays the node's history, so the transcript can say where a message came from. */
  catchingUp = false;
  private profile?: Profile;
  private delivery?: WakuDelivery;
  private unlisten?: () => void;
  private waiters = new Set<() => void>();
  /** The text of the send in progress: its "queued" event comes before `send` returns the message id. */
  private sending: string | undefined;

  constructor(
    readonly name: string,
    private readonly dataDir: string,
    private readonly node: string,
    private readonly t: Transcript,
    private readonly dir: Directory,
  ) {}

  get online(): boolean {
    return this.profile !== undefined;
  }

  get client(): Profile {
    if (!this.profile) throw new Error(`${this.name} is offline`);
    return this.profile;
  }

  /** Opens the profile (creating the identity the first time) and connects to the node. */
  async connect(): Promise<void> {
    this.delivery = await connectClient({ node: this.node, heartbeatIntervalMs: 100, missedCheckMs: 1_000 });
    this.profile = await Profile.open({
      dataDir: this.dataDir,
      name: this.name,
      delivery: this.delivery,
      config: DEMO_CLIENT_CONFIG,
    });
    this.dir.people.set(this.profile.client.installationKey, this.name);
    this.unlisten = this.profile.client.onEvent((e) => this.onEvent(fromClientEvent(e)));
    if (!(await waitConnected(this.delivery, 10_000))) throw new Error(`${this.name} could not reach the node`);
  }

  /** Closes the client and leaves the network; the profile stays on disk. */
  async disconnect(): Promise<void> {
    this.unlisten?.();
    await this.profile?.close();
    await this.delivery?.stop();
    this.profile = undefined;
    this.delivery = undefined;
  }

  /** Sends in a conversation; `to` names the audience in the transcript (default: the other person). */
  async send(conversationId: string, text: string, to = this.peerName()): Promise<string> {
    this.t.message(this.name, to, text);
    this.sending = text;
    try {
      const r = await this.client.send(conversationId, text);
      this.remember(r.messageId, text);
      return r.messageId;
    } finally {
      this.sending = undefined;
    }
  }

  async start(
    bundle: string,
    text: string,
    to = this.peerName(),
  ): Promise<{ conversationId: string; messageId: string }> {
    this.t.message(this.name, to, text, "(the first message rides inside the invite)");
    this.sending = text;
    try {
      const r = await this.client.start(bundle, text);
      this.remember(r.messageId, text);
      return r;
    } finally {
      this.sending = undefined;
    }
  }

  /** Resolves when `check` holds, re-checking after every event; rejects after `timeoutMs`. */
  async until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${this.name}: ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        this.waiters.add(wake);
      });
    }
  }

  untilReceived(text: string, timeoutMs?: number): Promise<void> {
    return this.until(`"${text}" to arrive`, () => this.received.some((r) => r.text === text), timeoutMs);
  }

  untilJoined(conversationId: string, timeoutMs?: number): Promise<void> {
    return this.until(
      `to join group ${conversationId.slice(0, 8)}`,
      () => this.started.some((s) => s.conversationId === conversationId),
      timeoutMs,
    );
  }

  untilGone(conversationId: string, timeoutMs?: number): Promise<void> {
    return this.until(`to leave group ${conversationId.slice(0, 8)}`, () => this.gone.has(conversationId), timeoutMs);
  }

  untilState(messageId: string, state: DeliveryState, timeoutMs?: number): Promise<void> {
    return this.until(
      `message ${messageId.slice(0, 8)} to be ${state}`,
      () => this.states.get(messageId) === state,
      timeoutMs,
    );
  }

  peerName = (): string => (this.name === "alice" ? "bob" : "alice");

  private who(key: string): string {
    return this.dir.people.get(key) ?? `${key.slice(0, 12)}…`;
  }

  private remember(messageId: string, text: string): void {
    this.texts.set(messageId, text);
    for (const s of this.earlyStates.get(messageId) ?? []) this.t.state(this.name, text, s);
    this.earlyStates.delete(messageId);
  }

  private onEvent(e: ReturnType<typeof fromClientEvent>): void {
    switch (e.type) {
      case "conversation-started": {
        this.started.push({ conversationId: e.conversationId, peer: e.peer });
        const group = this.dir.groups.get(e.conversationId);
        if (group !== undefined && e.initiatedBy === "peer")
          this.t.say(this.name, `joins the group "${group}" (an MLS Welcome came over a 1:1 conversation)`);
        else if (e.initiatedBy === "peer")
          this.t.say(
            this.name,
            `accepts an invite: new conversation with ${e.peer.slice(0, 12)}… (${this.who(e.peer)})`,
          );
        break;
      }
      case "message": {
        this.received.push({
          conversationId: e.conversationId,
          messageId: e.messageId,
          text: e.text,
          ...(e.sender ? { sender: e.sender } : {}),
        });
        const group = this.dir.groups.get(e.conversationId);
        const where = group !== undefined ? ` in "${group}" from ${e.sender ? this.who(e.sender) : "?"}` : "";
        this.t.say(this.name, `receives${where} "${e.text}"${this.catchingUp ? "  (from the node's history)" : ""}`);
        break;
      }
      case "removed":
      case "left": {
        this.gone.add(e.conversationId);
        const group = this.dir.groups.get(e.conversationId) ?? "the group";
        this.t.say(
          this.name,
          e.type === "removed"
            ? `is removed from "${group}": the group's new keys are not given to ${this.name}`
            : `leaves "${group}"`,
        );
        break;
      }
      case "members-changed":
        // Every commit (adds, removals, renames) changes the roster; the script narrates the ones it makes.
        break;
      case "delivery-state": {
        this.states.set(e.messageId, e.state);
        if (!this.texts.has(e.messageId) && e.state === "queued" && this.sending !== undefined)
          this.texts.set(e.messageId, this.sending);
        const text = this.texts.get(e.messageId);
        if (text !== undefined) this.t.state(this.name, text, e.state);
        else this.earlyStates.set(e.messageId, [...(this.earlyStates.get(e.messageId) ?? []), e.state]);
        break;
      }
      case "message-missing":
        this.t.say(this.name, `notices ${e.missing.length} message(s) missing (SDS causal history); waiting for them`);
        break;
      case "error":
        this.t.say(this.name, `error: ${e.message}`);
        break;
      case "notice":
        this.t.say(this.name, e.text);
        break;
    }
    for (const w of [...this.waiters]) w();
  }
}
