/**
 * A network view delta applied to the view it follows, pure: removals by key, then upserts by key (the
 * last of a key wins), giving the same sorted NetworkView a full view of that moment would be. Costs the
 * view's size plus the delta's (held arrays are merged, not sorted again).
 */
import type { NetworkView, ViewEndpoint, WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';

const idOf = (x: { id: string }): string => x.id;
const endpointKey = (e: { networkId: string; taskId: string }): string => `${e.networkId}\u0000${e.taskId}`;
const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** `view` (sorted as views are) with `delta`'s changes; `view` is left as it was. */
export function applyViewDelta(view: NetworkView, delta: WireNetworkViewDelta): NetworkView {
  return {
    networks: merge(view.networks, delta.networks, delta.removedNetworks, idOf),
    nodes: merge(view.nodes, delta.nodes, delta.removedNodes, idOf),
    services: merge(view.services, delta.services, delta.removedServices, idOf),
    endpoints: merge<ViewEndpoint>(
      view.endpoints,
      delta.endpoints,
      delta.removedEndpoints.map(endpointKey),
      endpointKey,
    ),
    gatewaySubnet: delta.gatewaySubnet,
  };
}

/**
 * Full view `full`, whose endpoints on the networks `kept` are left out, with those of `view` (the view
 * held) on them: the view a full one of that moment would be.
 */
export function withKeptEndpoints(
  view: NetworkView,
  full: NetworkView,
  kept: ReadonlySet<string>,
): NetworkView {
  const keptEndpoints = view.endpoints.filter(e => kept.has(e.networkId));
  return { ...full, endpoints: merge<ViewEndpoint>(keptEndpoints, full.endpoints, [], endpointKey) };
}

/**
 * `held` (sorted by `key`, which also orders endpoints by network then task since the separator sorts
 * first) without the removed keys, with the upserts in their places.
 */
function merge<T>(
  held: readonly T[],
  upserts: readonly T[],
  removed: readonly string[],
  key: (t: T) => string,
): T[] {
  if (upserts.length === 0 && removed.length === 0) return [...held];
  const latest = new Map<string, T>();
  for (const u of upserts) latest.set(key(u), u);
  const gone = new Set(removed);
  const added = [...latest.values()].sort(byKey(key));
  const out: T[] = [];
  let i = 0;
  for (const h of held) {
    const k = key(h);
    while (i < added.length && key(added[i] as T) < k) out.push(added[i++] as T);
    if (latest.has(k) || gone.has(k)) continue;
    out.push(h);
  }
  while (i < added.length) out.push(added[i++] as T);
  return out;
}
