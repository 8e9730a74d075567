/**
 * The view changes one node's stream has not sent yet, pure: per entity key the last value it took (an
 * upsert) or its absence (a removal). A key changed several times between two messages goes out once, as
 * it is now: the agent applies upserts and removals by key, so the last one of each key is all it needs.
 * Also the view's sequence numbers, chained from the full view the stream sent first.
 */
import type {
  ViewEndpoint,
  ViewNetwork,
  ViewNode,
  ViewService,
  WireNetworkViewDelta,
} from '../../proto/dispatcher-types.ts';
import { noEntities } from './view-parts.ts';

/** A removed endpoint: the ids it had. */
interface EndpointIds {
  readonly networkId: string;
  readonly taskId: string;
}

export class ViewChanges {
  private readonly networks = new Map<string, ViewNetwork | undefined>();
  private readonly nodes = new Map<string, ViewNode | undefined>();
  private readonly services = new Map<string, ViewService | undefined>();
  /**
   * Network → task → endpoint; a removal keeps the ids it names. Two levels, not one joined key: a
   * scale-up puts tens of millions here (each endpoint in each viewer's changes), and a new key string per
   * put was a tenth of the leader's time.
   */
  private readonly endpoints = new Map<string, Map<string, ViewEndpoint | EndpointIds>>();
  private endpointCount = 0;
  private gateway = false;
  /** The sequence number of the view the stream sent last. */
  private seq: number;

  /** After the full view `seq`. */
  constructor(seq: number) {
    this.seq = seq;
  }

  network(id: string, v: ViewNetwork | undefined): void {
    this.networks.set(id, v);
  }

  node(id: string, v: ViewNode | undefined): void {
    this.nodes.set(id, v);
  }

  service(id: string, v: ViewService | undefined): void {
    this.services.set(id, v);
  }

  endpoint(networkId: string, taskId: string, v: ViewEndpoint | undefined): void {
    let onNet = this.endpoints.get(networkId);
    if (onNet === undefined) this.endpoints.set(networkId, (onNet = new Map()));
    const size = onNet.size;
    onNet.set(taskId, v ?? { networkId, taskId });
    this.endpointCount += onNet.size - size;
  }

  /** The gateway range changed (the delta always carries the current one). */
  gatewaySubnet(): void {
    this.gateway = true;
  }

  /** How many entities changed. */
  get size(): number {
    return (
      this.networks.size + this.nodes.size + this.services.size + this.endpointCount + (this.gateway ? 1 : 0)
    );
  }

  /** The delta of everything pending, chained to the last view sent; undefined if nothing is pending. */
  take(gatewaySubnet: string): WireNetworkViewDelta | undefined {
    if (this.size === 0) return undefined;
    const delta: WireNetworkViewDelta = {
      appliesTo: this.seq,
      resultsIn: ++this.seq,
      ...noEntities(),
      gatewaySubnet,
    };
    split(this.networks, delta.networks, delta.removedNetworks);
    split(this.nodes, delta.nodes, delta.removedNodes);
    split(this.services, delta.services, delta.removedServices);
    for (const onNet of this.endpoints.values()) {
      for (const e of onNet.values()) {
        if ('addr' in e) delta.endpoints.push(e);
        else delta.removedEndpoints.push(e);
      }
    }
    this.endpoints.clear();
    this.endpointCount = 0;
    this.gateway = false;
    return delta;
  }
}

function split<T>(pending: Map<string, T | undefined>, upserts: T[], removals: string[]): void {
  for (const [id, v] of pending) {
    if (v === undefined) removals.push(id);
    else upserts.push(v);
  }
  pending.clear();
}
