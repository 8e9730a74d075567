/** A service's endpoint as the allocator gives it: its VIPs, one per network, and its published ports. */
import type { Endpoint, PortConfig, Service, ServiceSpec, VirtualIp } from '../store/index.ts';
import { AllocatorError } from './errors.ts';
import { FIRST_DYNAMIC_PORT, LAST_DYNAMIC_PORT, portKey } from './port-pool.ts';
import { endpointSpecProblem } from './validation.ts';
import { Journal } from './journal.ts';
import type { ServiceAllocation } from './allocation-results.ts';
import {
  type AllocatorTables,
  type NetworkRecord,
  type ServiceRecord,
  holderOfService,
  copyEndpoint,
  describe,
} from './allocator-tables.ts';

/** True if the service publishes a port through the routing mesh, so it and its tasks join the ingress network. */
export function publishesIngress(spec: ServiceSpec): boolean {
  return spec.endpoint.ports.some(port => port.publishMode === 'ingress');
}

/** NetworkAllocator.allocateService on `t` (documented there). */
export function allocateService(
  t: AllocatorTables,
  service: Pick<Service, 'id' | 'spec'>,
): ServiceAllocation {
  const { id, spec } = service;
  const problem = endpointSpecProblem(spec.endpoint);
  if (problem !== undefined) throw new AllocatorError('invalid-argument', problem);
  const vipNetworks = vipNetworksFor(t, spec);
  const old = t.services.get(id);
  const journal = new Journal();
  const touched = new Set<string>();
  try {
    const vips = new Map<string, number>();
    for (const networkId of vipNetworks) {
      const kept = old?.vips.get(networkId);
      if (kept !== undefined) {
        vips.set(networkId, kept);
        continue;
      }
      const record = t.networks.get(networkId) as NetworkRecord;
      const before = record.pool.lastAddress;
      const address = record.pool.takeNext(holderOfService(id));
      if (address === undefined) {
        throw new AllocatorError(
          'resource-exhausted',
          `could not find an available IP while allocating VIP: ${describe(record)} is full`,
        );
      }
      journal.push(() => {
        record.pool.release(address);
        record.pool.restoreCursor(before);
      });
      touched.add(networkId);
      vips.set(networkId, address);
    }
    const ports = allocatePorts(t, id, spec, old, journal);
    // Past this point nothing throws: free what is no longer needed, record the rest.
    const ingressKeys = new Set(
      ports.filter(p => p.publishMode === 'ingress').map(p => portKey(p.protocol, p.publishedPort)),
    );
    if (old !== undefined) {
      for (const [networkId, address] of old.vips) {
        if (vips.get(networkId) !== address) t.networks.get(networkId)?.pool.release(address);
      }
      for (const port of old.endpoint.ports) {
        const key = portKey(port.protocol, port.publishedPort);
        if (port.publishMode === 'ingress') {
          if (!ingressKeys.has(key)) t.ports.releaseIngress(key);
        } else if (port.publishedPort !== 0) {
          t.ports.removeHost(key, id);
        }
      }
    }
    for (const port of ports) {
      if (port.publishMode === 'host' && port.publishedPort !== 0) {
        t.ports.addHost(portKey(port.protocol, port.publishedPort), id);
      }
    }
    const virtualIPs: VirtualIp[] = [...vips].map(([networkId, address]) => ({
      networkId,
      addr: t.withPrefix(networkId, address),
    }));
    const endpoint: Endpoint = { ports, virtualIPs };
    t.services.set(id, { name: spec.name, vips, endpoint });
    return { endpoint: copyEndpoint(endpoint), networkUpdates: t.updatesFor(touched) };
  } catch (err) {
    journal.rollback();
    throw err;
  }
}

/**
 * The spec's ports with ingress-mode published ports taken: explicit ones first, then the dynamic ones,
 * which never land on a port the spec names. Conflict checks are swarmkit's `checkPortConflicts`.
 */
function allocatePorts(
  t: AllocatorTables,
  id: string,
  spec: ServiceSpec,
  old: ServiceRecord | undefined,
  journal: Journal,
): PortConfig[] {
  const ports = spec.endpoint.ports.map(port => ({ ...port }));
  // Host-mode ports are recorded only once the call succeeds, so the dynamic pick skips all the spec names.
  const named = new Set(
    ports.filter(p => p.publishedPort !== 0).map(p => portKey(p.protocol, p.publishedPort)),
  );
  for (const port of ports) {
    if (port.publishedPort === 0) continue;
    const key = portKey(port.protocol, port.publishedPort);
    const ingressHolder = t.ports.ingressHolder(key);
    if (ingressHolder !== undefined && ingressHolder !== id)
      throw portInUse(t, port.publishedPort, ingressHolder, 'an ingress port');
    if (port.publishMode !== 'ingress') continue;
    const hostHolder = t.ports.hostHolders(key).find(holder => holder !== id);
    if (hostHolder !== undefined) throw portInUse(t, port.publishedPort, hostHolder, 'a host-published port');
    if (ingressHolder === undefined) {
      t.ports.takeIngress(key, id);
      journal.push(() => t.ports.releaseIngress(key));
    }
  }
  // A dynamic port keeps the one it had for the same target, so an update does not move it.
  const reusable = (old?.endpoint.ports ?? []).filter(
    p =>
      p.publishMode === 'ingress' &&
      p.publishedPort >= FIRST_DYNAMIC_PORT &&
      p.publishedPort <= LAST_DYNAMIC_PORT,
  );
  const reused = new Set<string>();
  for (const port of ports) {
    if (port.publishMode !== 'ingress' || port.publishedPort !== 0) continue;
    const previous = reusable.find(p => {
      const key = portKey(p.protocol, p.publishedPort);
      return (
        p.protocol === port.protocol &&
        p.targetPort === port.targetPort &&
        !named.has(key) &&
        !reused.has(key)
      );
    });
    if (previous !== undefined) {
      port.publishedPort = previous.publishedPort;
      reused.add(portKey(port.protocol, port.publishedPort));
      continue;
    }
    const next = t.ports.nextDynamic(port.protocol, named);
    if (next === undefined) {
      throw new AllocatorError(
        'resource-exhausted',
        `no ${port.protocol} port is left in the dynamic range ${FIRST_DYNAMIC_PORT}-${LAST_DYNAMIC_PORT}`,
      );
    }
    const key = portKey(port.protocol, next);
    t.ports.takeIngress(key, id);
    journal.push(() => t.ports.releaseIngress(key));
    port.publishedPort = next;
  }
  return ports;
}

/** Swarm's text for a published port another service holds. */
function portInUse(t: AllocatorTables, port: number, serviceId: string, as: string): AllocatorError {
  const name = t.services.get(serviceId)?.name ?? '';
  return new AllocatorError(
    'invalid-argument',
    `port '${port}' is already in use by service '${name}' (${serviceId}) as ${as}`,
  );
}

/**
 * The networks a service with `spec` gets VIPs on, in endpoint order; checks every network it names.
 * Throws AllocatorError as `allocateService` describes.
 */
export function vipNetworksFor(t: AllocatorTables, spec: ServiceSpec): string[] {
  const ids: string[] = [];
  for (const { target } of spec.networks) {
    const record = t.networks.get(target);
    if (record === undefined) throw new AllocatorError('invalid-argument', `network ${target} not found`);
    if (record.ingress) {
      throw new AllocatorError(
        'invalid-argument',
        `Service cannot be explicitly attached to the ingress network ${JSON.stringify(record.name)}`,
      );
    }
    if (ids.includes(target))
      throw new AllocatorError('invalid-argument', `network ${record.name} is attached more than once`);
    ids.push(target);
  }
  const ingress = publishesIngress(spec);
  if (ingress && t.ingressId === undefined) {
    throw new AllocatorError(
      'failed-precondition',
      'service needs ingress network, but no ingress network is present',
    );
  }
  if (spec.endpoint.mode !== 'vip') return [];
  return ingress && t.ingressId !== undefined ? [t.ingressId, ...ids] : ids;
}
