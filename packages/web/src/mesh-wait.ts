/**
 * Connected is not enough: until the node grafts the page into its relay mesh it forwards nothing to it. The
 * graft normally follows within a heartbeat or two of the subscription; a connection that stays outside the
 * mesh (its gossipsub stream lost or never opened, as seen once under heavy load: the first unlock never became
 * "online") is dropped and dialled again, since a fresh connection opens fresh streams.
 */
export interface MeshWaitIo {
  /** The page closed, or another path already made it online: stop waiting. */
  stopped(): boolean;
  /** At least one connection to a relay peer. */
  connected(): boolean;
  /** Resolves true once a relay peer has us in its mesh for the Parley topic, false after `ms`. */
  inMesh(ms: number): Promise<boolean>;
  /** Drops the connections and dials the node again. */
  reconnect(): void;
}

export interface MeshWaitOptions {
  /** One wait for the graft. */
  readonly waitMs: number;
  /** Waits in a row, connected and outside the mesh, before reconnecting. */
  readonly waitsBeforeReconnect: number;
}

export const MESH_WAIT: MeshWaitOptions = { waitMs: 10_000, waitsBeforeReconnect: 3 };

/**
 * Waits while connected until in the mesh (true); false when stopped or no longer connected (the next
 * connection event waits again). After `waitsBeforeReconnect` failed waits it reconnects once and returns false.
 */
export async function untilInMesh(io: MeshWaitIo, options: MeshWaitOptions = MESH_WAIT): Promise<boolean> {
  for (let waits = 0; ; waits++) {
    if (io.stopped() || !io.connected()) return false;
    if (waits === options.waitsBeforeReconnect) {
      io.reconnect();
      return false;
    }
    if (await io.inMesh(options.waitMs)) return !io.stopped();
  }
}
