/**
 * The embedded DNS's records, built from the node's NetworkView (pure: no I/O, no clock). Per network:
 * - `<service>` → its VIP on that network (endpoint mode vip), or its running tasks' IPs (dnsrr, rotated
 *   by the server per answer);
 * - `tasks.<service>` → its running tasks' IPs;
 * - `<service>.<slot>.<taskId>` (and `<service>.<nodeId>.<taskId>` for a slot-less global task) → that
 *   task's IP while it runs;
 * - a standalone attachment's name → its IP while it runs.
 * A lookup is scoped to the networks of the asking task. Decisions, after Swarm where it has one:
 * - A name the cluster knows, but only on networks the asker is not on, is NXDOMAIN: Swarm's resolver
 *   only holds the records of the asker's networks, and forwarding the name upstream would leak the
 *   cluster's service names to the outside resolver.
 * - A service with no running task answers NOERROR with no records, at once: Swarm drops the record
 *   and times out forwarding it (5 s). A vip service with no running task answers no VIP either, as
 *   its VIP would lead nowhere; a dnsrr service with no task and no VIP is known on no network, so it
 *   answers empty to everyone rather than be forwarded.
 * - Names are case-insensitive (stored lowercase; the server lowercases the question).
 * - Reverse names (`3.1.0.10.in-addr.arpa`, PTR): a running task's address → `<task name>.<network>`, a
 *   VIP → `<service>.<network>`, as Docker's resolver answers container addresses; scoped the same way,
 *   so an address of a network the asker is not on is NXDOMAIN rather than asked of the outside.
 */
import type { NetworkView, ViewEndpoint } from '../../proto/dispatcher-types.ts';
import { ForwardPolicy } from './forward-policy.ts';

export type Lookup =
  | { kind: 'records'; ips: readonly string[]; rotate: boolean }
  /** Known to the cluster, on none of the asker's networks. */
  | { kind: 'nxdomain' }
  /** Not a cluster name: for the upstream resolvers. */
  | { kind: 'not-ours' };

interface Entry {
  /** Network id → the IPs the name has there (possibly none). */
  perNetwork: Map<string, string[]>;
  rotate: boolean;
  /** Known everywhere with no records (a service we cannot place on any network). */
  everywhere: boolean;
}

const NOT_OURS = { kind: 'not-ours' } as const;
const NXDOMAIN = { kind: 'nxdomain' } as const;
const EMPTY: Lookup = { kind: 'records', ips: [], rotate: false };

export type ReverseLookup = { kind: 'ptr'; name: string } | typeof NXDOMAIN | typeof NOT_OURS;

/** `10.0.1.3/24` → `10.0.1.3`. */
function hostOf(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

export class RecordTable {
  /** Whose names of the outside may go upstream (set from the view: not those of --internal networks only). */
  forwarding = ForwardPolicy.ALL;
  private readonly names = new Map<string, Entry>();
  /** Reverse name (`3.1.0.10.in-addr.arpa`) → network id → the name the address has there. */
  private readonly reverse = new Map<string, Map<string, string>>();

  static fromView(view: NetworkView): RecordTable {
    const t = new RecordTable();
    t.forwarding = ForwardPolicy.fromView(view);
    const byService = new Map<string, ViewEndpoint[]>();
    for (const e of view.endpoints) {
      if (e.serviceId === '') {
        if (e.name !== '') t.add(e.name, e.networkId, e.running ? [hostOf(e.addr)] : [], false);
        continue;
      }
      const list = byService.get(e.serviceId);
      if (list === undefined) byService.set(e.serviceId, [e]);
      else list.push(e);
    }
    const services = new Map(view.services.map(s => [s.id, s]));
    const networkNames = new Map(view.networks.map(n => [n.id, n.name]));
    const ptr = (addr: string, networkId: string, name: string): void => {
      const network = networkNames.get(networkId);
      if (network !== undefined) t.addReverse(hostOf(addr), networkId, `${name}.${network}`);
    };
    for (const s of view.services) {
      if (s.endpointMode === 'vip') for (const v of s.virtualIps) ptr(v.addr, v.networkId, s.name);
    }
    for (const e of view.endpoints) {
      if (!e.running) continue;
      const s = e.serviceId === '' ? undefined : services.get(e.serviceId);
      if (s !== undefined)
        ptr(e.addr, e.networkId, `${s.name}.${e.slot === 0 ? e.nodeId : e.slot}.${e.taskId}`);
      else if (e.name !== '') ptr(e.addr, e.networkId, e.name);
    }
    for (const s of view.services) {
      const eps = byService.get(s.id) ?? [];
      const networks = new Set<string>(eps.map(e => e.networkId));
      if (s.endpointMode === 'vip') for (const v of s.virtualIps) networks.add(v.networkId);
      if (networks.size === 0) {
        t.addEverywhere(s.name);
        t.addEverywhere(`tasks.${s.name}`);
        continue;
      }
      for (const n of networks) {
        const running = eps.filter(e => e.networkId === n && e.running).map(e => hostOf(e.addr));
        t.add(`tasks.${s.name}`, n, running, false);
        const vips = s.endpointMode === 'vip' ? s.virtualIps.filter(v => v.networkId === n) : [];
        if (vips.length > 0) t.add(s.name, n, running.length > 0 ? vips.map(v => hostOf(v.addr)) : [], false);
        else t.add(s.name, n, running, s.endpointMode === 'dnsrr');
      }
    }
    for (const e of view.endpoints) {
      const s = e.serviceId === '' ? undefined : services.get(e.serviceId);
      if (s === undefined) continue;
      const ips = e.running ? [hostOf(e.addr)] : [];
      t.add(`${s.name}.${e.slot}.${e.taskId}`, e.networkId, ips, false);
      if (e.slot === 0) t.add(`${s.name}.${e.nodeId}.${e.taskId}`, e.networkId, ips, false);
    }
    return t;
  }

  private entry(name: string): Entry {
    const key = name.toLowerCase();
    let e = this.names.get(key);
    if (e === undefined) {
      e = { perNetwork: new Map(), rotate: false, everywhere: false };
      this.names.set(key, e);
    }
    return e;
  }

  private add(name: string, networkId: string, ips: readonly string[], rotate: boolean): void {
    const e = this.entry(name);
    const have = e.perNetwork.get(networkId);
    if (have === undefined) e.perNetwork.set(networkId, [...ips]);
    else for (const ip of ips) if (!have.includes(ip)) have.push(ip);
    e.rotate ||= rotate;
  }

  private addReverse(ip: string, networkId: string, name: string): void {
    const key = `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
    let e = this.reverse.get(key);
    if (e === undefined) this.reverse.set(key, (e = new Map()));
    if (!e.has(networkId)) e.set(networkId, name.toLowerCase());
  }

  private addEverywhere(name: string): void {
    this.entry(name).everywhere = true;
  }

  /** How many names the table holds. */
  get size(): number {
    return this.names.size;
  }

  /**
   * The records of `name` (lowercase, no trailing dot) for a task on `networkIds`. IPs from several of
   * the asker's networks are merged in the order of `networkIds`, without duplicates.
   */
  lookup(name: string, networkIds: readonly string[]): Lookup {
    const e = this.names.get(name);
    if (e === undefined) return NOT_OURS;
    let found: string[] | undefined;
    let merged = false;
    for (const n of networkIds) {
      const ips = e.perNetwork.get(n);
      if (ips === undefined) continue;
      if (found === undefined) {
        found = ips;
      } else {
        if (!merged) {
          found = [...found];
          merged = true;
        }
        for (const ip of ips) if (!found.includes(ip)) found.push(ip);
      }
    }
    if (found === undefined) return e.everywhere ? EMPTY : NXDOMAIN;
    return { kind: 'records', ips: found, rotate: e.rotate && found.length > 1 };
  }

  /**
   * A reverse name (`3.1.0.10.in-addr.arpa`, lowercase, no trailing dot): the name of the address on the
   * first of the asker's networks that has it (no trailing dot).
   */
  lookupReverse(name: string, networkIds: readonly string[]): ReverseLookup {
    const e = this.reverse.get(name);
    if (e === undefined) return NOT_OURS;
    for (const n of networkIds) {
      const found = e.get(n);
      if (found !== undefined) return { kind: 'ptr', name: found };
    }
    return NXDOMAIN;
  }
}

/** `ips` rotated left by `turn` (for dnsrr answers: each answer starts with the next task). */
export function rotated(ips: readonly string[], turn: number): string[] {
  const n = ips.length;
  if (n < 2) return [...ips];
  const k = turn % n;
  return [...ips.slice(k), ...ips.slice(0, k)];
}
