/**
 * The view deltas an agent that keeps its whole view received since it last read it, composed into one:
 * per key the last change wins (an upsert, or a removal), which is what applying them one by one gives
 * (applyViewDelta: removals, then upserts). The view is then merged once when read, not once a message:
 * a merge costs the view's size, and a hundred such agents in one process merging thousands of
 * endpoints on every message kept the event loop from the heartbeats.
 */
import type { WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';

type Item<K extends keyof WireNetworkViewDelta> = WireNetworkViewDelta[K] extends readonly (infer T)[]
  ? T
  : never;
type EndpointKey = Item<'removedEndpoints'>;

/** One kind of entity: the latest upsert by key, and the keys whose last change was a removal. */
class Changes<T, R> {
  readonly upserts = new Map<string, T>();
  readonly removed = new Map<string, R>();

  upsert(key: string, item: T): void {
    this.removed.delete(key);
    this.upserts.set(key, item);
  }

  remove(key: string, as: R): void {
    this.upserts.delete(key);
    this.removed.set(key, as);
  }
}

const endpointKey = (e: EndpointKey): string => `${e.networkId}\u0000${e.taskId}`;

export class UnappliedViewDeltas {
  private readonly networks = new Changes<Item<'networks'>, string>();
  private readonly nodes = new Changes<Item<'nodes'>, string>();
  private readonly services = new Changes<Item<'services'>, string>();
  private readonly endpoints = new Changes<Item<'endpoints'>, EndpointKey>();
  private first: WireNetworkViewDelta | undefined;
  private last: WireNetworkViewDelta | undefined;

  /** `delta`, which follows those added before. */
  add(delta: WireNetworkViewDelta): void {
    this.first ??= delta;
    this.last = delta;
    for (const id of delta.removedNetworks) this.networks.remove(id, id);
    for (const id of delta.removedNodes) this.nodes.remove(id, id);
    for (const id of delta.removedServices) this.services.remove(id, id);
    for (const k of delta.removedEndpoints) this.endpoints.remove(endpointKey(k), k);
    for (const n of delta.networks) this.networks.upsert(n.id, n);
    for (const n of delta.nodes) this.nodes.upsert(n.id, n);
    for (const s of delta.services) this.services.upsert(s.id, s);
    for (const e of delta.endpoints) this.endpoints.upsert(endpointKey(e), e);
  }

  /** The deltas added as one delta (from the first's view to the last's); undefined if none were. */
  composed(): WireNetworkViewDelta | undefined {
    if (this.first === undefined || this.last === undefined) return undefined;
    return {
      appliesTo: this.first.appliesTo,
      resultsIn: this.last.resultsIn,
      networks: [...this.networks.upserts.values()],
      removedNetworks: [...this.networks.removed.values()],
      nodes: [...this.nodes.upserts.values()],
      removedNodes: [...this.nodes.removed.values()],
      services: [...this.services.upserts.values()],
      removedServices: [...this.services.removed.values()],
      endpoints: [...this.endpoints.upserts.values()],
      removedEndpoints: [...this.endpoints.removed.values()],
      gatewaySubnet: this.last.gatewaySubnet,
    };
  }
}
