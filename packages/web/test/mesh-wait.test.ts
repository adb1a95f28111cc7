// The page's wait for the relay mesh: a graft ends it, a connection that never gets one is dropped and dialled
// again after a bounded number of waits, and nothing waits once the page stopped or lost its connection.
import { describe, expect, it } from "vitest";
import { type MeshWaitIo, untilInMesh } from "../src/mesh-wait.js";

function io(graftAfter: number, overrides: Partial<MeshWaitIo> = {}) {
  const calls = { waits: 0, reconnects: 0 };
  const fake: MeshWaitIo = {
    stopped: () => false,
    connected: () => true,
    inMesh: async () => ++calls.waits > graftAfter,
    reconnect: () => {
      calls.reconnects++;
    },
    ...overrides,
  };
  return { fake, calls };
}

const OPTIONS = { waitMs: 1, waitsBeforeReconnect: 3 };

describe("untilInMesh", () => {
  it("is in the mesh at the first graft", async () => {
    const { fake, calls } = io(0);
    expect(await untilInMesh(fake, OPTIONS)).toBe(true);
    expect(calls).toEqual({ waits: 1, reconnects: 0 });
    const late = io(2);
    expect(await untilInMesh(late.fake, OPTIONS)).toBe(true);
    expect(late.calls).toEqual({ waits: 3, reconnects: 0 });
  });

  it("reconnects once after the waits in a row without a graft, instead of waiting for ever", async () => {
    const { fake, calls } = io(Number.POSITIVE_INFINITY);
    expect(await untilInMesh(fake, OPTIONS)).toBe(false);
    expect(calls).toEqual({ waits: 3, reconnects: 1 });
  });

  it("stops without reconnecting when the connection or the page goes", async () => {
    let connected = true;
    const gone = io(Number.POSITIVE_INFINITY, {
      connected: () => connected,
      inMesh: async () => {
        connected = false;
        return false;
      },
    });
    expect(await untilInMesh(gone.fake, OPTIONS)).toBe(false);
    expect(gone.calls.reconnects).toBe(0);
    const closed = io(0, { stopped: () => true });
    expect(await untilInMesh(closed.fake, OPTIONS)).toBe(false);
    expect(closed.calls).toEqual({ waits: 0, reconnects: 0 });
  });
});
