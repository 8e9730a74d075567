/**
 * What a simulated agent keeps of its network view when it does not keep the view itself (thousands of
 * agents in one process cannot each hold every address of their networks): the networks in it, and per
 * network and service how many of its endpoints are running. Enough to tell when a task's peers hold its
 * address as a backend.
 */
import type { NetworkView, WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';

export interface ViewSummary {
  /** IDs of the networks in the view. */
  readonly networks: ReadonlySet<string>;
  /** `<network id> <service id>` → endpoints of that service on that network flagged running. */
  readonly running: ReadonlyMap<string, number>;
  /** Every endpoint in the view, running or not. */
  readonly endpoints: number;
}

export const EMPTY_SUMMARY: ViewSummary = { networks: new Set(), running: new Map(), endpoints: 0 };

export function summarize(view: NetworkView): ViewSummary {
  const running = new Map<string, number>();
  for (const e of view.endpoints) {
    if (!e.running) continue;
    const key = runningKey(e.networkId, e.serviceId);
    running.set(key, (running.get(key) ?? 0) + 1);
  }
  return { networks: new Set(view.networks.map(n => n.id)), running, endpoints: view.endpoints.length };
}

export function runningKey(networkId: string, serviceId: string): string {
  return `${networkId} ${serviceId}`;
}

/** One endpoint as a light agent keeps it. */
export interface LightEndpoint {
  networkId: string;
  taskId: string;
  serviceId: string;
  running: boolean;
}

/** What a light agent reads of a full view or of a view delta (a full view has no removals). */
export interface LightViewPart {
  networks: string[];
  removedNetworks: string[];
  endpoints: LightEndpoint[];
  /** `<network id> <task id>` */
  removedEndpoints: string[];
}

export function endpointKey(networkId: string, taskId: string): string {
  return `${networkId} ${taskId}`;
}

/**
 * The part of its view a light agent keeps: its networks, and each endpoint's service and running flag.
 * Invariant: `running` counts the held endpoints flagged running by `runningKey` (no zero counts), so a
 * message costs what it carries, not the view's size.
 */
export class LightView {
  private readonly networks = new Set<string>();
  private readonly endpoints = new Map<string, LightEndpoint>();
  private readonly running = new Map<string, number>();

  /** A full view replaces what is held; a delta removes, then upserts (the dispatcher's order). */
  apply(part: LightViewPart, full: boolean): void {
    if (full) {
      this.networks.clear();
      this.endpoints.clear();
      this.running.clear();
    }
    for (const id of part.removedNetworks) this.networks.delete(id);
    for (const key of part.removedEndpoints) this.put(key, undefined);
    for (const id of part.networks) this.networks.add(id);
    for (const e of part.endpoints) this.put(endpointKey(e.networkId, e.taskId), e);
  }

  summary(): ViewSummary {
    return {
      networks: new Set(this.networks),
      running: new Map(this.running),
      endpoints: this.endpoints.size,
    };
  }

  /** Holds `e` under `key` (none: drops what is there), keeping the running counts. */
  private put(key: string, e: LightEndpoint | undefined): void {
    const old = this.endpoints.get(key);
    if (old?.running === true) {
      const k = runningKey(old.networkId, old.serviceId);
      const n = (this.running.get(k) ?? 0) - 1;
      if (n > 0) this.running.set(k, n);
      else this.running.delete(k);
    }
    if (e === undefined) {
      this.endpoints.delete(key);
      return;
    }
    this.endpoints.set(key, e);
    if (e.running) {
      const k = runningKey(e.networkId, e.serviceId);
      this.running.set(k, (this.running.get(k) ?? 0) + 1);
    }
  }
}

/** The light part of a whole view or delta (agents that decode messages whole). */
export function lightPartOf(v: NetworkView | WireNetworkViewDelta): LightViewPart {
  const delta = 'removedNetworks' in v ? v : undefined;
  return {
    networks: v.networks.map(n => n.id),
    removedNetworks: delta?.removedNetworks ?? [],
    endpoints: v.endpoints.map(e => ({
      networkId: e.networkId,
      taskId: e.taskId,
      serviceId: e.serviceId,
      running: e.running,
    })),
    removedEndpoints: (delta?.removedEndpoints ?? []).map(k => endpointKey(k.networkId, k.taskId)),
  };
}
