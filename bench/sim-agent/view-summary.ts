/**
 * What a simulated agent keeps of its network view when it does not keep the view itself (thousands of
 * agents in one process cannot each hold every address of their networks): the networks in it, and per
 * network and service how many of its endpoints are running. Enough to tell when a task's peers hold its
 * address as a backend. And per network the digest of the endpoints it holds (proto/view-digest.ts), which
 * a new Assignments stream sends so that the manager leaves out the networks it holds as they are.
 */
import type { NetworkView, WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';
import {
  digestText,
  MAX_HELD_NETWORKS,
  EMPTY_DIGEST,
  withEndpoint,
  withoutEndpoint,
} from '../../proto/view-digest.ts';

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
  /** endpointHash of its bytes as they came (view-digest.ts); NaN when unknown (decoded whole). */
  hash: number;
}

/** What a light agent reads of a full view or of a view delta (a full view has no removals). */
export interface LightViewPart {
  networks: string[];
  removedNetworks: string[];
  endpoints: LightEndpoint[];
  /** `<network id> <task id>` */
  removedEndpoints: string[];
}

/** A network's digest as an Assignments request carries it. */
export interface HeldDigest {
  networkId: string;
  digest: string;
}

export function endpointKey(networkId: string, taskId: string): string {
  return `${networkId} ${taskId}`;
}

/** An agent's state byte of an endpoint: absent, 1 + the index of a variant, or held with its hash unknown. */
const ABSENT = 0;
/** Variants an endpoint number may have: the rest of the byte is ABSENT and the two below. */
const MAX_VARIANTS = 253;
const UNKNOWN_IDLE = 254;
const UNKNOWN_RUNNING = 255;

/**
 * The endpoints every light agent of this process has seen, interned: an endpoint (network and task) is
 * a small number, its `<network> <service>` running key another, its network a third. Agents keep a byte
 * per endpoint number instead of an object and a map entry each: a thousand agents each holding twenty
 * thousand endpoints were most of the harness's memory (3 GB) and its garbage collection. The byte names
 * one of the endpoint's variants (its hash and running flag, as seen by any agent): an endpoint changes
 * rarely (running, then not), so a few variants each cover every agent.
 */
class EndpointNumbers {
  private readonly numbers = new Map<string, number>();
  /** Endpoint number → its running key's number. */
  readonly runKeyOf: number[] = [];
  private readonly runKeyNumbers = new Map<string, number>();
  /** Running key number → the key. */
  readonly runKeys: string[] = [];
  /** Endpoint number → its network's number. */
  readonly networkOf: number[] = [];
  private readonly networkNumbers = new Map<string, number>();
  /**
   * Endpoint number → its variants, each `hash * 2 + running` (exact: a hash is below 2^52), in the
   * order first seen: an agent's byte of it is 1 + an index here.
   */
  readonly variants: number[][] = [];

  /** The number of endpoint `key` (`endpointKey`), if any agent has seen it. */
  number(key: string): number | undefined {
    return this.numbers.get(key);
  }

  /** The number of endpoint `e`, numbered now if new. */
  numberOf(e: LightEndpoint): number {
    const key = endpointKey(e.networkId, e.taskId);
    let n = this.numbers.get(key);
    if (n !== undefined) return n;
    n = this.runKeyOf.length;
    this.numbers.set(key, n);
    this.runKeyOf.push(intern(this.runKeyNumbers, runningKey(e.networkId, e.serviceId), this.runKeys));
    this.networkOf.push(intern(this.networkNumbers, e.networkId));
    this.variants.push([]);
    return n;
  }

  /** The number of network `id`, if any endpoint of it was seen. */
  network(id: string): number | undefined {
    return this.networkNumbers.get(id);
  }

  get networkCount(): number {
    return this.networkNumbers.size;
  }

  /** The state byte of endpoint `n` held with `hash` and `running`: its variant, else hash unknown. */
  stateOf(n: number, hash: number, running: boolean): number {
    if (Number.isNaN(hash)) return running ? UNKNOWN_RUNNING : UNKNOWN_IDLE;
    const vs = this.variants[n] as number[];
    const code = hash * 2 + (running ? 1 : 0);
    let v = vs.indexOf(code);
    if (v < 0) {
      // Past that, agents hold it without its hash: its network is left out of their digests.
      if (vs.length >= MAX_VARIANTS) return running ? UNKNOWN_RUNNING : UNKNOWN_IDLE;
      v = vs.push(code) - 1;
    }
    return 1 + v;
  }

  /** Whether endpoint `n` held as state `s` is flagged running. */
  running(n: number, s: number): boolean {
    if (s === ABSENT || s === UNKNOWN_IDLE) return false;
    if (s === UNKNOWN_RUNNING) return true;
    return ((this.variants[n] as number[])[s - 1] as number) % 2 === 1;
  }

  /** The hash of endpoint `n` held as variant state `s` (1..MAX_VARIANTS). */
  hash(n: number, s: number): number {
    return Math.floor(((this.variants[n] as number[])[s - 1] as number) / 2);
  }
}

/** The number of `key` in `numbers`, made the next one if new (and `key` then pushed to `names`). */
function intern(numbers: Map<string, number>, key: string, names?: string[]): number {
  let r = numbers.get(key);
  if (r === undefined) {
    r = numbers.size;
    numbers.set(key, r);
    names?.push(key);
  }
  return r;
}

const NUMBERS = new EndpointNumbers();

/**
 * A network's endpoints an agent holds: how many, how many of them with their hash unknown, and the digest
 * of the others. Its digest is known when none is unknown; a network holding none has no entry (its digest
 * is EMPTY_DIGEST), so an entry costs only while the agent holds endpoints of it.
 */
interface NetworkHeld {
  count: number;
  unknown: number;
  digest: number;
}

/**
 * The part of its view a light agent keeps: its networks, per endpoint whether it is held and as which
 * variant (a byte per endpoint number), and per network the digest of those held. Invariants: `running[r]`
 * counts the held endpoints flagged running whose running key is `r`, and `perNetwork` adds up the held
 * endpoints of each network, so a message costs what it carries, not the view's size.
 */
export class LightView {
  private readonly networks = new Set<string>();
  private state = new Uint8Array(0);
  private running = new Int32Array(0);
  private heldCount = 0;
  /** Network number → its held endpoints (none: holds none). */
  private readonly perNetwork = new Map<number, NetworkHeld>();
  private cached: ViewSummary | undefined;

  /**
   * A full view replaces what is held, except the endpoints of the networks in `kept` (the manager found
   * their digest equal to its own, and sent none of them); a delta removes, then upserts (the
   * dispatcher's order).
   */
  apply(part: LightViewPart, full: boolean, kept: readonly string[] = []): void {
    this.cached = undefined;
    if (full) {
      this.networks.clear();
      this.dropAllBut(kept);
    }
    // A removed network's endpoints are removed one by one (the contract): its entry goes with the last.
    for (const id of part.removedNetworks) this.networks.delete(id);
    for (const key of part.removedEndpoints) {
      const n = NUMBERS.number(key);
      if (n !== undefined) this.put(n, ABSENT);
    }
    for (const id of part.networks) this.networks.add(id);
    for (const e of part.endpoints) {
      const n = NUMBERS.numberOf(e);
      this.put(n, NUMBERS.stateOf(n, e.hash, e.running));
    }
  }

  /** The summary (made once per change, when asked). */
  summary(): ViewSummary {
    if (this.cached !== undefined) return this.cached;
    const running = new Map<string, number>();
    this.running.forEach((count, r) => {
      if (count > 0) running.set(NUMBERS.runKeys[r] as string, count);
    });
    return (this.cached = { networks: new Set(this.networks), running, endpoints: this.heldCount });
  }

  /** The digest of each network in view whose endpoints' hashes are all known (what a new stream sends). */
  held(): HeldDigest[] {
    const out: HeldDigest[] = [];
    for (const networkId of this.networks) {
      const k = NUMBERS.network(networkId);
      const h = k === undefined ? undefined : this.perNetwork.get(k);
      if (h !== undefined && h.unknown > 0) continue;
      out.push({ networkId, digest: digestText(h?.digest ?? EMPTY_DIGEST) });
    }
    return out.length > MAX_HELD_NETWORKS ? [] : out;
  }

  /** Every held endpoint not on a network of `kept` absent, keeping the counts. */
  private dropAllBut(kept: readonly string[]): void {
    const keep = new Uint8Array(NUMBERS.networkCount);
    let dropping = false;
    for (const id of kept) {
      const k = NUMBERS.network(id);
      if (k !== undefined) keep[k] = 1;
    }
    for (const k of this.perNetwork.keys()) {
      if (keep[k] === 1) continue;
      this.perNetwork.delete(k);
      dropping = true;
    }
    if (!dropping) return; // all it holds is kept (a stream back with nothing changed)
    if (this.perNetwork.size === 0) {
      this.state.fill(ABSENT);
      this.running.fill(0);
      this.heldCount = 0;
      return;
    }
    const { state, running } = this;
    const { networkOf, runKeyOf } = NUMBERS;
    for (let n = 0; n < state.length; n++) {
      const s = state[n] as number;
      if (s === ABSENT || keep[networkOf[n] as number] === 1) continue;
      state[n] = ABSENT;
      this.heldCount--;
      if (NUMBERS.running(n, s)) {
        const r = runKeyOf[n] as number;
        running[r] = (running[r] ?? 0) - 1;
      }
    }
  }

  /** Endpoint `n` is now held as state `to` (or absent), keeping the counts. */
  private put(n: number, to: number): void {
    if (n >= this.state.length) this.state = grown(this.state, n);
    const from = this.state[n] as number;
    if (from === to) return;
    this.state[n] = to;
    if (from === ABSENT) this.heldCount++;
    if (to === ABSENT) this.heldCount--;
    const r = NUMBERS.runKeyOf[n] as number;
    if (r >= this.running.length) this.running = grown(this.running, r);
    if (NUMBERS.running(n, from)) this.running[r] = (this.running[r] ?? 0) - 1;
    if (NUMBERS.running(n, to)) this.running[r] = (this.running[r] ?? 0) + 1;
    const k = NUMBERS.networkOf[n] as number;
    let h = this.perNetwork.get(k);
    if (h === undefined) this.perNetwork.set(k, (h = { count: 0, unknown: 0, digest: EMPTY_DIGEST }));
    if (from !== ABSENT) {
      h.count--;
      if (from > MAX_VARIANTS) h.unknown--;
      else h.digest = withoutEndpoint(h.digest, NUMBERS.hash(n, from));
    }
    if (to !== ABSENT) {
      h.count++;
      if (to > MAX_VARIANTS) h.unknown++;
      else h.digest = withEndpoint(h.digest, NUMBERS.hash(n, to));
    }
    // None held: its digest is EMPTY_DIGEST again, exactly (integers below 2^53 add exactly).
    if (h.count === 0) this.perNetwork.delete(k);
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
      // Decoded whole, its bytes are gone: the agent sends no digest of its network.
      hash: NaN,
    })),
    removedEndpoints: (delta?.removedEndpoints ?? []).map(k => endpointKey(k.networkId, k.taskId)),
  };
}
