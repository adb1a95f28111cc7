import type { Delivery, MessageHandler, PublishResult } from "@parley/core";

/** A delivery that only records what is published: the benchmark hands bytes to the receiver itself. */
export class Capture implements Delivery {
  readonly maxPayloadBytes = 150 * 1024;
  last: { topic: string; payload: Uint8Array }[] = [];
  async publish(contentTopic: string, payload: Uint8Array): Promise<PublishResult> {
    this.last.push({ topic: contentTopic, payload });
    return { ok: true, hash: "" };
  }
  async subscribe(_topic: string, _handler: MessageHandler): Promise<() => void> {
    return () => {};
  }
  take(): { topic: string; payload: Uint8Array }[] {
    const out = this.last;
    this.last = [];
    return out;
  }
}
