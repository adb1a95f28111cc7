/**
 * A Parley user in Node, built from the libraries as `parley chat` builds it (Client, WakuDelivery over TCP to
 * the same node), with its events kept so a test can wait for one.
 */
import { Client, type ClientEvent } from "@parley/core";
import { NodeCryptoProvider } from "@parley/core/node";
import { MemoryStore } from "@parley/core/testing";
import { WakuDelivery } from "@parley/waku";
import { WAIT_MS } from "./stack.js";

export class NodeUser {
  readonly events: ClientEvent[] = [];
  #waiters = new Set<() => void>();

  private constructor(
    readonly client: Client,
    private readonly delivery: WakuDelivery,
  ) {
    client.onEvent((e) => {
      this.events.push(e);
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(tcp: string): Promise<NodeUser> {
    const delivery = new WakuDelivery({
      network: { clusterId: 42, numShardsInCluster: 8 },
      bootstrap: [tcp],
      storePeers: [tcp],
      heartbeatIntervalMs: 100,
    });
    await delivery.start();
    const client = await Client.create({
      store: new MemoryStore(),
      delivery,
      crypto: new NodeCryptoProvider(),
      config: { sweepIntervalMs: 500, ackDelayMs: 200 },
    });
    const user = new NodeUser(client, delivery);
    if (!(await delivery.waitForPeers("/logos-chat/1/0000/proto", 1, WAIT_MS)))
      throw new Error("the Node client never joined the node's relay mesh");
    return user;
  }

  /** The first event (past or future) that `match` accepts. */
  async next<T extends ClientEvent>(match: (e: ClientEvent) => e is T): Promise<T>;
  async next(match: (e: ClientEvent) => boolean): Promise<ClientEvent>;
  async next(match: (e: ClientEvent) => boolean): Promise<ClientEvent> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const hit = this.events.find(match);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a client event");
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.#waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /** Resolves with the conversation id once a message with this text arrived. */
  async received(text: string): Promise<string> {
    const e = await this.next(
      (x) => x.type === "message" && x.content.kind === "text" && (x.content as { text: string }).text === text,
    );
    return (e as Extract<ClientEvent, { type: "message" }>).conversationId;
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.delivery.stop();
  }
}
