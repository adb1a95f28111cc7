/**
 * Clients on one fault-free MemoryDelivery and one VirtualClock, for the `accounts` section: each on a
 * counting MemoryStore, each endpoint counting the bytes it publishes, with the account and linking steps of
 * packages/core/test/client/accounts.test.ts (a device is linked by `addDevice` on the primary and
 * `adoptList` on the device, over a PrivateV1 conversation between the two).
 */
import {
  Client,
  type ClientEvent,
  type DeliveredMessage,
  type Delivery,
  type MessageHandler,
  type PublishResult,
} from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryDelivery, MemoryStore, VirtualClock } from "@parley/core/testing";
import { CountingStore } from "./counting-store.js";

/** A delivery endpoint that counts what its client publishes (the bytes it puts on the wire). */
class TallyDelivery implements Delivery {
  bytes = 0;
  published = 0;
  /** Every publication, while set (the device-change rows read the commits in it). */
  log: { topic: string; payload: Uint8Array }[] | undefined;
  constructor(readonly inner: Delivery) {}
  get maxPayloadBytes(): number {
    return this.inner.maxPayloadBytes;
  }
  publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult> {
    this.bytes += payload.length;
    this.published++;
    this.log?.push({ topic: contentTopic, payload });
    return this.inner.publish(contentTopic, payload);
  }
  subscribe(contentTopic: string, handler: MessageHandler): Promise<() => void> {
    return this.inner.subscribe(contentTopic, (m: DeliveredMessage) => handler(m));
  }
}

export interface Device {
  readonly name: string;
  readonly client: Client;
  readonly store: CountingStore;
  readonly wire: TallyDelivery;
  /** Messages received, by conversation. */
  readonly received: Map<string, number>;
  /** Conversations this client has with each other device (PrivateV1), by name. */
  readonly pairwise: Map<string, string>;
  readonly started: Extract<ClientEvent, { type: "conversation-started" }>[];
}

export class AccountWorld {
  readonly clock = new VirtualClock({ yieldToEventLoop: () => new Promise((r) => setImmediate(r)) });
  readonly bus = new MemoryDelivery({ clock: this.clock, crypto: new NodeCryptoProvider(), seed: "accounts" });
  readonly devices: Device[] = [];

  async device(name: string): Promise<Device> {
    const store = new CountingStore(new MemoryStore());
    const wire = new TallyDelivery(this.bus.endpoint(name));
    const client = await Client.create({
      store,
      delivery: wire,
      crypto: new NodeCryptoProvider(),
      clock: this.clock,
      config: { sweepIntervalMs: 1_000, resendAfterMs: 3_000, ackDelayMs: 500 },
    });
    const d: Device = { name, client, store, wire, received: new Map(), pairwise: new Map(), started: [] };
    client.onEvent((e) => {
      if (e.type === "message") d.received.set(e.conversationId, (d.received.get(e.conversationId) ?? 0) + 1);
      if (e.type === "conversation-started") d.started.push(e);
    });
    this.devices.push(d);
    return d;
  }

  /** Every client finishes what it is doing (its steps and its publications). */
  async idle(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.client.idle()));
  }

  /** Virtual time moves in steps, each only once every client is idle (MLS work completes in real time). */
  async run(ms: number, step = 250): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advanceAsync(Math.min(step, ms - t));
      await this.idle();
    }
  }

  async until(what: string, pred: () => boolean | Promise<boolean>, maxMs = 120_000): Promise<void> {
    for (let t = 0; t <= maxMs; t += 500) {
      if (await pred()) return;
      await this.run(500);
    }
    throw new Error(`accounts bench: timed out waiting for ${what}`);
  }

  /** A PrivateV1 conversation between a and b, both sides started. */
  async connect(a: Device, b: Device): Promise<string> {
    const { conversationId } = await a.client.startConversation(await b.client.introBundle(), "hi");
    a.pairwise.set(b.name, conversationId);
    const key = a.client.installationKey;
    await this.until(`${b.name} hears from ${a.name}`, () => b.started.some((e) => e.peer === key));
    b.pairwise.set(a.name, b.started.find((e) => e.peer === key)!.conversationId);
    return conversationId;
  }

  /** Links `device` to `primary`'s account (the list handed over by the application, as linking will). */
  async link(primary: Device, device: Device): Promise<void> {
    await this.connect(primary, device);
    const list = await primary.client.account.addDevice(fromHex(device.client.installationKey), device.name);
    await device.client.account.adoptList(list);
  }

  /** An account of `n` devices: the first is the primary, the others linked to it. */
  async account(name: string, n: number): Promise<Device[]> {
    const primary = await this.device(`${name}1`);
    await primary.client.account.create();
    const all = [primary];
    for (let i = 2; i <= n; i++) {
      const d = await this.device(`${name}${i}`);
      await this.link(primary, d);
      all.push(d);
    }
    return all;
  }

  /** The AccountDirectV1 conversation of two accounts' primaries, active on every device of both. */
  async direct(a: Device[], b: Device[]): Promise<string> {
    await this.connect(a[0]!, b[0]!);
    const { conversationId } = await a[0]!.client.account.startConversation(await b[0]!.client.account.address());
    await this.until("every device joins", async () => {
      for (const d of [...a, ...b]) if (!(await active(d, conversationId))) return false;
      return true;
    });
    return conversationId;
  }

  async close(): Promise<void> {
    for (const d of this.devices) await d.client.close();
  }
}

export async function active(d: Device, cid: string): Promise<boolean> {
  return (await d.client.conversations()).some((c) => c.id === cid && c.status === "active");
}

/** An installation key as the Client gives it (lower hex) back to bytes. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}
