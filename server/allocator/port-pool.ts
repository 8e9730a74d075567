import type { PortProtocol } from '../store/index.ts';

/** The range `publishedPort: 0` is served from (Swarm's dynamic port range). */
export const FIRST_DYNAMIC_PORT = 30000;
export const LAST_DYNAMIC_PORT = 32767;

/** A protocol and port, as one key: ports of different protocols never conflict. */
export function portKey(protocol: PortProtocol, port: number): string {
  return `${protocol}/${port}`;
}

/**
 * Published ports across the cluster. An ingress-mode port is held by one service; a host-mode port may be
 * published by several services (the scheduler keeps them on different nodes), but never also as an ingress
 * port, since the routing mesh takes that port on every node (swarmkit `checkPortConflicts`).
 */
export class PortPool {
  /** `portKey` → service id. */
  private readonly ingress = new Map<string, string>();
  /** `portKey` → ids of the services publishing it in host mode. */
  private readonly host = new Map<string, Set<string>>();

  /** The service holding `key` as an ingress port, or undefined. */
  ingressHolder(key: string): string | undefined {
    return this.ingress.get(key);
  }

  /** The services publishing `key` in host mode, sorted. */
  hostHolders(key: string): string[] {
    return [...(this.host.get(key) ?? [])].sort();
  }

  /** The lowest port of the dynamic range free in both modes for `protocol` and not in `skip`, or undefined. */
  nextDynamic(protocol: PortProtocol, skip: ReadonlySet<string> = new Set()): number | undefined {
    for (let port = FIRST_DYNAMIC_PORT; port <= LAST_DYNAMIC_PORT; port++) {
      const key = portKey(protocol, port);
      if (!this.ingress.has(key) && !this.host.has(key) && !skip.has(key)) return port;
    }
    return undefined;
  }

  /** Gives `key` to `serviceId` as an ingress port. The caller checked it is free. */
  takeIngress(key: string, serviceId: string): void {
    this.ingress.set(key, serviceId);
  }

  /** Frees the ingress port `key`. */
  releaseIngress(key: string): void {
    this.ingress.delete(key);
  }

  /** Records that `serviceId` publishes `key` in host mode. */
  addHost(key: string, serviceId: string): void {
    let holders = this.host.get(key);
    if (holders === undefined) this.host.set(key, (holders = new Set()));
    holders.add(serviceId);
  }

  /** Forgets that `serviceId` publishes `key` in host mode. */
  removeHost(key: string, serviceId: string): void {
    const holders = this.host.get(key);
    holders?.delete(serviceId);
    if (holders?.size === 0) this.host.delete(key);
  }

  /** Every ingress port with its holder, and every host port with its publishers, sorted by key. */
  entries(): { ingress: [string, string][]; host: [string, string[]][] } {
    return {
      ingress: [...this.ingress].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      host: [...this.host.keys()].sort().map(key => [key, this.hostHolders(key)]),
    };
  }
}
