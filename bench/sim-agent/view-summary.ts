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
 * The endpoints every light agent of this process has seen, interned: an endpoint (network and task) is
 * a small number, its `<network> <service>` running key another. Agents keep a byte per endpoint number
 * instead of an object and a map entry each: a thousand agents each holding twenty thousand endpoints
 * were most of the harness's memory (3 GB) and its garbage collection.
 */
class EndpointNumbers {
  private readonly numbers = new Map<string, number>();
  /** Endpoint number → its running key's number. */
  readonly runKeyOf: number[] = [];
  private readonly runKeyNumbers = new Map<string, number>();
  /** Running key number → the key. */
  readonly runKeys: string[] = [];

  /** The number of endpoint `key` (`endpointKey`), of a service's running key `runKey` when new. */
  number(key: string, runKey?: () => string): number | undefined {
    let n = this.numbers.get(key);
    if (n === undefined && runKey !== undefined) {
      n = this.runKeyOf.length;
      this.numbers.set(key, n);
      const rk = runKey();
      let r = this.runKeyNumbers.get(rk);
      if (r === undefined) {
        r = this.runKeys.length;
        this.runKeyNumbers.set(rk, r);
        this.runKeys.push(rk);
      }
      this.runKeyOf.push(r);
    }
    return n;
  }
}

const NUMBERS = new EndpointNumbers();
const ABSENT = 0;
const HELD = 1;
const RUNNING = 2;

/**
 * The part of its view a light agent keeps: its networks, and per endpoint whether it is held and
 * running (a byte per endpoint number). Invariant: `running[r]` counts the held endpoints flagged running
 * whose running key is `r`, so a message costs what it carries, not the view's size.
 */
export class LightView {
  private readonly networks = new Set<string>();
  private state = new Uint8Array(0);
  private running = new Int32Array(0);
  private held = 0;
  private cached: ViewSummary | undefined;

  /** A full view replaces what is held; a delta removes, then upserts (the dispatcher's order). */
  apply(part: LightViewPart, full: boolean): void {
    this.cached = undefined;
    if (full) {
      this.networks.clear();
      this.state.fill(ABSENT);
      this.running.fill(0);
      this.held = 0;
    }
    for (const id of part.removedNetworks) this.networks.delete(id);
    for (const key of part.removedEndpoints) {
      const n = NUMBERS.number(key);
      if (n !== undefined) this.put(n, ABSENT);
    }
    for (const id of part.networks) this.networks.add(id);
    for (const e of part.endpoints) {
      const n = NUMBERS.number(endpointKey(e.networkId, e.taskId), () =>
        runningKey(e.networkId, e.serviceId),
      );
      this.put(n as number, e.running ? RUNNING : HELD);
    }
  }

  /** The summary (made once per change, when asked). */
  summary(): ViewSummary {
    if (this.cached !== undefined) return this.cached;
    const running = new Map<string, number>();
    this.running.forEach((count, r) => {
      if (count > 0) running.set(NUMBERS.runKeys[r] as string, count);
    });
    return (this.cached = { networks: new Set(this.networks), running, endpoints: this.held });
  }

  /** Endpoint `n` is now `to`, keeping the counts. */
  private put(n: number, to: number): void {
    if (n >= this.state.length) this.state = grown(this.state, n);
    const from = this.state[n] as number;
    if (from === to) return;
    this.state[n] = to;
    if (from === ABSENT) this.held++;
    if (to === ABSENT) this.held--;
    const r = NUMBERS.runKeyOf[n] as number;
    if (r >= this.running.length) this.running = grown(this.running, r);
    if (from === RUNNING) this.running[r] = (this.running[r] ?? 0) - 1;
    if (to === RUNNING) this.running[r] = (this.running[r] ?? 0) + 1;
  }
}

/** `a` copied into one that holds index `i` (doubling, so growth costs O(1) per element). */
function grown<T extends Uint8Array | Int32Array>(a: T, i: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(64, 2 * (i + 1)));
  b.set(a);
  return b;
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
