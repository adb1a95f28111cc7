/**
 * Where the page finds its node: `config.json` served next to the page by `parley web` (the node's
 * WebSocket multiaddr and cluster), overridable with `?node=<multiaddr>&cluster=<n>` in the address.
 */
export interface WebConfig {
  /** The `parley node` to stay connected to over WebSocket: relay peer and Store service. */
  readonly node: string;
  readonly cluster: number;
  /** Gossipsub heartbeat (ms); tests use a short one. */
  readonly heartbeatMs?: number;
}

export async function loadConfig(location: Location): Promise<WebConfig> {
  const query = new URLSearchParams(location.search);
  let served: Partial<WebConfig> = {};
  try {
    const res = await fetch(new URL("config.json", location.href));
    if (res.ok) served = (await res.json()) as Partial<WebConfig>;
  } catch {
    // No config served (a static host): the query must name the node.
  }
  const node = query.get("node") ?? served.node;
  if (!node?.includes("/ws"))
    throw new Error("no node to connect to: open the page from `parley web`, or add ?node=<WebSocket multiaddr>");
  const cluster = Number(query.get("cluster") ?? served.cluster ?? 42);
  const heartbeat = Number(query.get("heartbeat") ?? served.heartbeatMs ?? 0);
  return { node, cluster, ...(heartbeat > 0 ? { heartbeatMs: heartbeat } : {}) };
}

/** The profile named in the address (`?profile=`), so two profiles can live in one browser. */
export function profileFromAddress(location: Location): string | undefined {
  return new URLSearchParams(location.search).get("profile") ?? undefined;
}
