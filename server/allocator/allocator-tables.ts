import type { Endpoint, NetworkAllocation, NetworkAttachment } from '../store/index.ts';
import type { AddressPool } from './address-pool.ts';
import { AllocatorError } from './errors.ts';
import { formatCidr, formatIpv4, type Cidr } from '../../lib/ipv4.ts';
import { PortPool } from './port-pool.ts';
import { SubnetPool } from './subnet-pool.ts';
import { VniPool } from './vni-pool.ts';
import { UNUSABLE_RANGES } from './address-space.ts';
import type { NetworkAllocationUpdate } from './allocation-results.ts';

export interface NetworkRecord {
  id: string;
  name: string;
  ingress: boolean;
  vni: number;
  gateway: number;
  pool: AddressPool;
}

export interface ServiceRecord {
  name: string;
  /** Network id → VIP, in endpoint order. */
  vips: Map<string, number>;
  endpoint: Endpoint;
}

export interface TaskRecord {
  attachments: { networkId: string; addresses: number[] }[];
}

export function holderOfService(id: string): string {
  return `service:${id}`;
}

export function holderOfTask(id: string): string {
  return `task:${id}`;
}

/**
 * What the allocator holds: the pools, and who holds what in them. NetworkAllocator owns one and answers
 * requests with it; the allocation steps (service-allocation.ts, task-allocation.ts, allocation-restore.ts)
 * work on it, with the lookups and checks they share here.
 */
export class AllocatorTables {
  readonly subnets: SubnetPool;
  readonly vnis = new VniPool();
  readonly ports = new PortPool();
  readonly networks = new Map<string, NetworkRecord>();
  readonly services = new Map<string, ServiceRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  ingressId: string | undefined;

  constructor(addressPools: readonly Cidr[], subnetSize: number, gatewaySubnet: Cidr) {
    this.subnets = new SubnetPool(addressPools, subnetSize, [
      gatewaySubnet,
      ...UNUSABLE_RANGES.map(r => r.cidr),
    ]);
  }

  addNetwork(record: NetworkRecord): void {
    this.subnets.take(record.id, record.pool.subnet);
    this.vnis.take(record.vni, record.id);
    this.networks.set(record.id, record);
    if (record.ingress) this.ingressId = record.id;
  }

  /** Throws AllocatorError (invalid-argument, libnetwork's text plus which network) if `subnet` overlaps one held. */
  checkNoOverlap(subnet: Cidr): void {
    const holderId = this.subnets.overlapping(subnet);
    if (holderId === undefined) return;
    const held = this.subnets.subnetOf(holderId) as Cidr;
    const holder = this.networks.get(holderId);
    throw new AllocatorError(
      'invalid-argument',
      `invalid pool request: Pool overlaps with other one on this address space: ${formatCidr(subnet)} overlaps ${formatCidr(held)} of network '${holder?.name ?? ''}' (${holderId})`,
    );
  }

  /** Throws AllocatorError (invalid-argument) if another network holds `vni`. */
  checkVniFree(vni: number): void {
    const holderId = this.vnis.holderOf(vni);
    if (holderId === undefined) return;
    const holder = this.networks.get(holderId);
    throw new AllocatorError(
      'invalid-argument',
      `could not assign vxlan id ${vni}: it is in use by network '${holder?.name ?? ''}' (${holderId})`,
    );
  }

  allocationOf(record: NetworkRecord): NetworkAllocation {
    const last = record.pool.lastAddress;
    return {
      subnet: formatCidr(record.pool.subnet),
      gateway: formatIpv4(record.gateway),
      vni: record.vni,
      ...(last === undefined ? {} : { lastAddress: formatIpv4(last) }),
    };
  }

  updatesFor(networkIds: Set<string>): NetworkAllocationUpdate[] {
    return [...networkIds].sort().map(networkId => ({
      networkId,
      allocation: this.allocationOf(this.networks.get(networkId) as NetworkRecord),
    }));
  }

  withPrefix(networkId: string, address: number): string {
    const prefix = this.networks.get(networkId)?.pool.subnet.prefix ?? 32;
    return `${formatIpv4(address)}/${prefix}`;
  }

  attachmentsOf(attachments: TaskRecord['attachments']): NetworkAttachment[] {
    return attachments.map(({ networkId, addresses }) => ({
      networkId,
      addresses: addresses.map(address => this.withPrefix(networkId, address)),
    }));
  }
}

/** A copy of `endpoint` (a plain-data tree two levels deep; cheaper than structuredClone on hot paths). */
export function copyEndpoint(endpoint: Endpoint): Endpoint {
  return {
    ports: endpoint.ports.map(port => ({ ...port })),
    virtualIPs: endpoint.virtualIPs.map(vip => ({ ...vip })),
  };
}

/** A network as error messages name it. */
export function describe(record: NetworkRecord): string {
  return `network '${record.name}' (${record.id}, ${formatCidr(record.pool.subnet)})`;
}
