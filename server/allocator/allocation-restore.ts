/** Taking back the allocations stored in the objects (`NetworkAllocator.rebuild`), checked as if made anew. */
import type { Endpoint, Network, NetworkAllocation, Service } from '../store/index.ts';
import { AddressPool } from './address-pool.ts';
import { AllocatorError } from './errors.ts';
import { cidrOf, parseAddressWithPrefix, parseIpv4 } from '../../lib/ipv4.ts';
import { portKey } from './port-pool.ts';
import { MAX_VNI, MIN_VNI } from './vni-pool.ts';
import { Journal } from './journal.ts';
import { type AllocatorTables, holderOfService, copyEndpoint, describe } from './allocator-tables.ts';

/** Takes back a stored network allocation, checking it as `allocateNetwork` would have. */
export function restoreNetwork(t: AllocatorTables, network: Network, allocation: NetworkAllocation): void {
  const { id, spec } = network;
  const malformed = (what: string): AllocatorError =>
    new AllocatorError('invalid-argument', `network ${id} has a malformed stored allocation: ${what}`);
  const parsed = parseAddressWithPrefix(allocation.subnet);
  if (parsed === undefined || cidrOf(parsed.address, parsed.prefix).base !== parsed.address) {
    throw malformed(`subnet ${allocation.subnet}`);
  }
  const subnet = cidrOf(parsed.address, parsed.prefix);
  const pool = new AddressPool(subnet);
  const gateway = parseIpv4(allocation.gateway);
  if (gateway === undefined || !pool.isHost(gateway)) throw malformed(`gateway ${allocation.gateway}`);
  if (!Number.isSafeInteger(allocation.vni) || allocation.vni < MIN_VNI || allocation.vni > MAX_VNI) {
    throw malformed(`VNI ${allocation.vni}`);
  }
  let last: number | undefined;
  if (allocation.lastAddress !== undefined) {
    last = parseIpv4(allocation.lastAddress);
    if (last === undefined || !pool.isHost(last)) throw malformed(`last address ${allocation.lastAddress}`);
  }
  if (spec.ingress && t.ingressId !== undefined) {
    throw new AllocatorError('already-exists', `ingress network (${t.ingressId}) is already present`);
  }
  t.checkNoOverlap(subnet);
  t.checkVniFree(allocation.vni);
  pool.restoreCursor(last);
  pool.take(gateway, 'gateway');
  t.addNetwork({ id, name: spec.name, ingress: spec.ingress, vni: allocation.vni, gateway, pool });
}

/** Takes back a stored service endpoint: its VIPs and its published ports, all or nothing. */
export function restoreService(t: AllocatorTables, service: Service, endpoint: Endpoint): void {
  const { id } = service;
  const journal = new Journal();
  try {
    const vips = new Map<string, number>();
    for (const { networkId, addr } of endpoint.virtualIPs) {
      const record = t.networks.get(networkId);
      const parsed = parseAddressWithPrefix(addr);
      if (record === undefined)
        throw new AllocatorError('failed-precondition', `VIP ${addr}: network ${networkId} is not allocated`);
      if (parsed === undefined || !record.pool.isHost(parsed.address) || vips.has(networkId)) {
        throw new AllocatorError(
          'invalid-argument',
          `VIP ${addr} is not a host address of ${describe(record)}`,
        );
      }
      const holder = record.pool.holderOf(parsed.address);
      if (holder !== undefined) {
        throw new AllocatorError(
          'invalid-argument',
          `VIP ${addr} of ${describe(record)} is held by ${holder.replace(':', ' ')}`,
        );
      }
      record.pool.take(parsed.address, holderOfService(id));
      journal.push(() => record.pool.release(parsed.address));
      vips.set(networkId, parsed.address);
    }
    for (const port of endpoint.ports) {
      if (port.publishMode !== 'ingress') continue;
      const key = portKey(port.protocol, port.publishedPort);
      const holder = t.ports.ingressHolder(key);
      if (port.publishedPort === 0 || holder !== undefined) {
        throw new AllocatorError(
          'invalid-argument',
          `ingress port ${key} cannot be taken back (held by service ${holder ?? 'none'})`,
        );
      }
      t.ports.takeIngress(key, id);
      journal.push(() => t.ports.releaseIngress(key));
    }
    for (const port of endpoint.ports) {
      if (port.publishMode === 'host' && port.publishedPort !== 0)
        t.ports.addHost(portKey(port.protocol, port.publishedPort), id);
    }
    t.services.set(id, { name: service.spec.name, vips, endpoint: copyEndpoint(endpoint) });
  } catch (err) {
    journal.rollback();
    throw err;
  }
}
