/**
 * What a simulated agent keeps of its network view when it does not keep the view itself (thousands of
 * agents in one process cannot each hold every address of their networks): the networks in it, and per
 * network and service how many of its endpoints are running. Enough to tell when a task's peers hold its
 * address as a backend.
 */
import type { NetworkView } from '../../proto/dispatcher-types.ts';

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
