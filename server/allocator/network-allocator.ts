import type {
  Endpoint,
  Network,
  NetworkAllocation,
  NetworkAttachment,
  Node,
  Service,
  ServiceSpec,
  Task,
} from '../store/index.ts';
import { AddressPool } from './address-pool.ts';
import { AllocatorError } from './errors.ts';
import { cidrOf, formatIpv4, parseAddressWithPrefix, type Cidr } from '../../lib/ipv4.ts';
import { portKey } from './port-pool.ts';
import {
  addressPoolShapeProblem,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_GATEWAY_SUBNET,
  DEFAULT_SUBNET_SIZE,
  gatewayOverlapProblem,
  parseGatewaySubnet,
  parseIpam,
} from './address-space.ts';
import { parseVxlanIdList, VXLANID_LIST_OPTION } from './vni-pool.ts';
import type { ServiceAllocation, TaskAllocation } from './allocation-results.ts';
import { AllocatorTables, type NetworkRecord, copyEndpoint, describe } from './allocator-tables.ts';
import { allocateService, publishesIngress, vipNetworksFor } from './service-allocation.ts';
import { allocateTask, taskHoldsAddresses } from './task-allocation.ts';
import { restoreNetwork, restoreService } from './allocation-restore.ts';

/** How the cluster's address space is carved (`swarm init --default-addr-pool … --default-addr-pool-mask-length N`). */
export interface AllocatorOptions {
  /** @default ['10.0.0.0/8'] */
  defaultAddressPools?: readonly string[];
  /** The prefix length of the subnets carved from the pools, at most 29. @default 24 */
  subnetSize?: number;
  /**
   * The range of every node's gateway bridge (`swarm init --gateway-subnet`): no overlay subnet may
   * overlap it. @default '172.18.0.0/16'
   */
  gatewaySubnet?: string;
}

/** Everything that holds allocations, as read from the store. */
export interface LiveObjects {
  networks: readonly Network[];
  services: readonly Service[];
  tasks: readonly Task[];
  /** Nodes whose ingress leg (`attachment`) is taken back; absent = none. */
  nodes?: readonly Pick<Node, 'id' | 'attachment'>[];
}

/** An object whose stored allocation `rebuild` could not take back (it holds nothing in the pools). */
export interface RebuildProblem {
  table: 'networks' | 'services' | 'tasks' | 'nodes';
  id: string;
  message: string;
}

/** Everything the allocator holds, in a canonical order: two allocators that agree have equal states. */
export interface AllocatorState {
  ingressNetworkId: string | null;
  networks: { id: string; allocation: NetworkAllocation; addresses: [string, string][] }[];
  ports: { ingress: [string, string][]; host: [string, string[]][] };
  services: { id: string; name: string; endpoint: Endpoint }[];
  tasks: { id: string; networks: NetworkAttachment[] }[];
}

/** A node's ingress leg is held like a task's address, under this key. */
const NODE_KEY = 'node:';

/**
 * The cluster's network allocator (swarmkit `manager/allocator` with libnetwork's IPAM and overlay driver,
 * in one pure object). It holds subnets, VNIs, addresses and published ports, and answers each request at
 * once: either the allocation, or an AllocatorError with nothing changed.
 *
 * Nothing lives only here: every answer is meant to be written into the objects through the store (the
 * network's `allocation`, the service's `endpoint`, the task's `networks`, and the `networkUpdates` that
 * come with them, which carry each subnet's serial cursor), and a leader that takes over calls `rebuild`
 * with the stored objects to get exactly the pools the old leader had. The allocator does not see the
 * store, so a caller whose write fails must `release…` what it was given, or `rebuild`. A network's cursor
 * moves with every address handed out, so writes that carry `networkUpdates` must be made one at a time
 * (batching is fine): two in flight would conflict on the network's version.
 */
export class NetworkAllocator {
  private readonly addressPools: readonly Cidr[];
  private readonly subnetSize: number;
  private readonly gatewaySubnet: Cidr;
  private tables!: AllocatorTables;

  /**
   * Throws AllocatorError (invalid-argument) if the options are not valid (see `addressPoolShapeProblem`,
   * `parseGatewaySubnet`). Pools that overlap the gateway range or an unusable block (kept by a cluster made
   * before `swarm init` refused them) are carved around those.
   */
  constructor(options: AllocatorOptions = {}) {
    const pools = options.defaultAddressPools ?? DEFAULT_ADDRESS_POOLS;
    const subnetSize = options.subnetSize ?? DEFAULT_SUBNET_SIZE;
    const problem = addressPoolShapeProblem(pools, subnetSize);
    if (problem !== undefined) throw new AllocatorError('invalid-argument', problem);
    const gateway = parseGatewaySubnet(options.gatewaySubnet ?? DEFAULT_GATEWAY_SUBNET);
    if ('problem' in gateway) throw new AllocatorError('invalid-argument', gateway.problem);
    this.gatewaySubnet = gateway;
    this.addressPools = pools.map(text => {
      const parsed = parseAddressWithPrefix(text) as { address: number; prefix: number };
      return cidrOf(parsed.address, parsed.prefix);
    });
    this.subnetSize = subnetSize;
    this.reset();
  }

  /** The id of the ingress network, once allocated. */
  get ingressNetworkId(): string | undefined {
    return this.tables.ingressId;
  }

  /**
   * Replaces everything the allocator holds by the allocations stored in `objects`, in Swarm's order (the
   * ingress network, other networks, services, tasks; each by id). Objects without allocations are left
   * for `allocate…`; so are those whose stored allocation is malformed or collides with one taken back
   * before (they hold nothing, and are returned so the caller can allocate them again).
   */
  rebuild(objects: LiveObjects): RebuildProblem[] {
    this.reset();
    const problems: RebuildProblem[] = [];
    const attempt = (table: RebuildProblem['table'], id: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        if (!(err instanceof AllocatorError)) throw err;
        problems.push({ table, id, message: err.message });
      }
    };
    const byId = <T extends { id: string }>(items: readonly T[]): T[] =>
      [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const networks = byId(objects.networks).sort((a, b) => Number(b.spec.ingress) - Number(a.spec.ingress));
    for (const network of networks) {
      const { allocation } = network;
      if (allocation !== undefined)
        attempt('networks', network.id, () => restoreNetwork(this.tables, network, allocation));
    }
    for (const service of byId(objects.services)) {
      const { endpoint } = service;
      if (endpoint !== undefined)
        attempt('services', service.id, () => restoreService(this.tables, service, endpoint));
    }
    for (const task of byId(objects.tasks)) {
      if (!taskHoldsAddresses(task)) continue;
      const networks = task.networks.filter(n => n.addresses.length > 0);
      if (networks.length > 0)
        attempt('tasks', task.id, () => void this.allocateTask({ id: task.id, networks }));
    }
    for (const node of byId(objects.nodes ?? [])) {
      if (node.attachment !== undefined && node.attachment.addresses.length > 0)
        attempt('nodes', node.id, () => void this.allocateNode(node));
    }
    return problems;
  }

  // Networks

  /**
   * Gives `network` a subnet (the user's, or the next free one of the default pools), a gateway (the user's,
   * or the subnet's first host address) and a VNI (the pinned one, or the lowest free from 4096). Throws
   * AllocatorError: invalid-argument for a bad spec, a subnet overlapping another network's or the gateway
   * bridge range, or a pinned VNI in use; resource-exhausted when the pools or VNIs are used up; already-exists if the network is
   * allocated already, or it is a second ingress network.
   */
  allocateNetwork(network: Pick<Network, 'id' | 'spec'>): NetworkAllocation {
    const { id, spec } = network;
    if (this.tables.networks.has(id))
      throw new AllocatorError('already-exists', `network ${id} is already allocated`);
    if (spec.ingress && this.tables.ingressId !== undefined) {
      throw new AllocatorError(
        'already-exists',
        `ingress network (${this.tables.ingressId}) is already present`,
      );
    }
    const ipam = parseIpam(spec.ipam);
    if ('problem' in ipam) throw new AllocatorError('invalid-argument', ipam.problem);
    const pinned = this.pinnedVni(spec.driverOptions);
    let subnet = ipam.subnet;
    if (subnet !== undefined) {
      const problem = gatewayOverlapProblem('subnet', subnet, this.gatewaySubnet);
      if (problem !== undefined) throw new AllocatorError('invalid-argument', problem);
      this.tables.checkNoOverlap(subnet);
    } else {
      subnet = this.tables.subnets.next();
      if (subnet === undefined) {
        throw new AllocatorError(
          'resource-exhausted',
          'all predefined address pools have been fully subnetted',
        );
      }
    }
    let vni = pinned;
    if (vni !== undefined) {
      this.tables.checkVniFree(vni);
    } else {
      vni = this.tables.vnis.next();
      if (vni === undefined)
        throw new AllocatorError('resource-exhausted', 'no VXLAN ID is left to allocate');
    }
    const pool = new AddressPool(subnet);
    let gateway = ipam.gateway;
    if (gateway !== undefined) pool.take(gateway, 'gateway');
    else gateway = pool.takeNext('gateway') as number; // a new subnet of at most /29 has room
    this.tables.addNetwork({ id, name: spec.name, ingress: spec.ingress, vni, gateway, pool });
    return this.tables.allocationOf(this.tables.networks.get(id) as NetworkRecord);
  }

  /**
   * Frees the subnet and VNI of network `id`; false if it holds none. Throws AllocatorError
   * (failed-precondition, Swarm's text) while a service or task still holds an address in it.
   */
  releaseNetwork(id: string): boolean {
    const record = this.tables.networks.get(id);
    if (record === undefined) return false;
    const user = record.pool.entries().find(([, holder]) => holder !== 'gateway');
    if (user !== undefined) {
      const [kind, holderId] = user[1].split(':', 2) as [string, string];
      throw new AllocatorError('failed-precondition', `network ${id} is in use by ${kind} ${holderId}`);
    }
    this.tables.subnets.release(id);
    this.tables.vnis.release(record.vni);
    this.tables.networks.delete(id);
    if (this.tables.ingressId === id) this.tables.ingressId = undefined;
    return true;
  }

  /** The allocation of network `id` as it stands (with its serial cursor), or undefined if it has none. */
  networkAllocation(id: string): NetworkAllocation | undefined {
    const record = this.tables.networks.get(id);
    return record === undefined ? undefined : this.tables.allocationOf(record);
  }

  // Services

  /**
   * Gives service `service.id` what `service.spec` needs, keeping what it already holds and still needs: a
   * VIP per network for endpoint mode `vip` (and one on the ingress network, first, when a port is
   * published in ingress mode), none for `dnsrr`; each ingress-mode published port (0: the lowest free of
   * 30000–32767, or the one it had for the same target port). Host-mode ports are only recorded, for the
   * ingress/host conflict. What the service held and no longer needs is freed.
   *
   * Throws AllocatorError, changing nothing: invalid-argument for a bad endpoint spec, an unknown network
   * or the ingress network named explicitly, a published port held by another service (Swarm's `port '9000'
   * is already in use by service 'web' (<id>) as an ingress port`); failed-precondition if an ingress port
   * is asked for and there is no ingress network; resource-exhausted when a network has no address left
   * for the VIP or the dynamic port range is used up.
   */
  allocateService(service: Pick<Service, 'id' | 'spec'>): ServiceAllocation {
    return allocateService(this.tables, service);
  }

  /** Frees the VIPs and published ports of service `id`; false if it holds none. */
  releaseService(id: string): boolean {
    const record = this.tables.services.get(id);
    if (record === undefined) return false;
    for (const [networkId, address] of record.vips)
      this.tables.networks.get(networkId)?.pool.release(address);
    for (const port of record.endpoint.ports) {
      const key = portKey(port.protocol, port.publishedPort);
      if (port.publishMode === 'ingress') this.tables.ports.releaseIngress(key);
      else if (port.publishedPort !== 0) this.tables.ports.removeHost(key, id);
    }
    this.tables.services.delete(id);
    return true;
  }

  /**
   * True if `service.endpoint` is what the allocator would give its spec now: VIPs on the right networks
   * and every port of the spec, published ones filled in. False means it needs `allocateService`.
   */
  isServiceAllocated(service: Pick<Service, 'spec' | 'endpoint'>): boolean {
    const { spec, endpoint } = service;
    if (endpoint === undefined) return false;
    let networks: string[];
    try {
      networks = vipNetworksFor(this.tables, spec);
    } catch {
      return false;
    }
    if (endpoint.virtualIPs.map(v => v.networkId).join() !== networks.join()) return false;
    if (endpoint.ports.length !== spec.endpoint.ports.length) return false;
    return spec.endpoint.ports.every((want, i) => {
      const have = endpoint.ports[i];
      return (
        have !== undefined &&
        have.protocol === want.protocol &&
        have.targetPort === want.targetPort &&
        have.publishMode === want.publishMode &&
        have.name === want.name &&
        (want.publishedPort === 0
          ? want.publishMode === 'host' || have.publishedPort !== 0
          : have.publishedPort === want.publishedPort)
      );
    });
  }

  // Tasks

  /**
   * The attachments a new task of a service with `spec` starts with, before `allocateTask`: the ingress
   * network first when the service publishes a port in ingress mode, then the spec's networks.
   */
  taskNetworks(spec: ServiceSpec): NetworkAttachment[] {
    const ids = spec.networks.map(n => n.target);
    if (publishesIngress(spec) && this.tables.ingressId !== undefined) ids.unshift(this.tables.ingressId);
    return ids.map(networkId => ({ networkId, addresses: [] }));
  }

  /**
   * Gives task `task.id` an address on each network of `task.networks` that has none (the next one after the
   * network's cursor), and takes the addresses already there as they are (a task allocated before, or an
   * address asked for). Addresses it held on networks or at addresses no longer listed are freed.
   *
   * Throws AllocatorError, changing nothing: failed-precondition for a network that is not allocated;
   * invalid-argument for an address outside the subnet or held by another; resource-exhausted when a
   * network has no address left (`could not find an available IP for task …`).
   */
  allocateTask(task: Pick<Task, 'id' | 'networks'>): TaskAllocation {
    return allocateTask(this.tables, task);
  }

  /**
   * Gives node `id` its leg on the ingress network, or takes back the one it has: every node's routing
   * mesh reaches remote tasks through it (swarmkit's node attachment). Legs are taken from the top of the
   * subnet down, so nodes joining do not move the addresses services and tasks get from the bottom.
   * Throws AllocatorError as `allocateTask` does, and failed-precondition when there is no ingress network.
   */
  allocateNode(node: Pick<Node, 'id' | 'attachment'>): TaskAllocation {
    const ingress = this.tables.ingressId;
    const record = ingress === undefined ? undefined : this.tables.networks.get(ingress);
    if (ingress === undefined || record === undefined)
      throw new AllocatorError('failed-precondition', 'there is no ingress network');
    let given = node.attachment?.networkId === ingress ? node.attachment.addresses : [];
    if (given.length === 0) {
      const top = record.pool.highestFree();
      if (top === undefined) {
        throw new AllocatorError(
          'resource-exhausted',
          `could not find an available IP for node ${node.id}: ${describe(record)} is full`,
        );
      }
      given = [`${formatIpv4(top)}/${record.pool.subnet.prefix}`];
    }
    return this.allocateTask({
      id: NODE_KEY + node.id,
      networks: [{ networkId: ingress, addresses: given }],
    });
  }

  /** Frees node `id`'s ingress leg; false if it holds none. */
  releaseNode(id: string): boolean {
    return this.releaseTask(NODE_KEY + id);
  }

  /** The nodes holding an ingress leg. */
  nodesHolding(): string[] {
    return [...this.tables.tasks.keys()]
      .filter(k => k.startsWith(NODE_KEY))
      .map(k => k.slice(NODE_KEY.length));
  }

  /** Frees the addresses of task `id`; false if it holds none. */
  releaseTask(id: string): boolean {
    const record = this.tables.tasks.get(id);
    if (record === undefined) return false;
    for (const { networkId, addresses } of record.attachments) {
      const pool = this.tables.networks.get(networkId)?.pool;
      for (const address of addresses) pool?.release(address);
    }
    this.tables.tasks.delete(id);
    return true;
  }

  /** Everything held, canonically ordered (for comparing allocators and for debugging). */
  state(): AllocatorState {
    const sorted = <T>(map: Map<string, T>): [string, T][] => [...map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return {
      ingressNetworkId: this.tables.ingressId ?? null,
      networks: sorted(this.tables.networks).map(([id, record]) => ({
        id,
        allocation: this.tables.allocationOf(record),
        addresses: record.pool.entries().map(([address, holder]) => [formatIpv4(address), holder]),
      })),
      ports: this.tables.ports.entries(),
      services: sorted(this.tables.services).map(([id, record]) => ({
        id,
        name: record.name,
        endpoint: copyEndpoint(record.endpoint),
      })),
      tasks: sorted(this.tables.tasks).map(([id, record]) => ({
        id,
        networks: this.tables.attachmentsOf(record.attachments),
      })),
    };
  }

  private reset(): void {
    this.tables = new AllocatorTables(this.addressPools, this.subnetSize, this.gatewaySubnet);
  }

  /** The VNI a `vxlanid_list` option pins, or undefined. Throws AllocatorError (invalid-argument) if malformed. */
  private pinnedVni(options: Record<string, string>): number | undefined {
    const text = options[VXLANID_LIST_OPTION];
    if (text === undefined) return undefined;
    const parsed = parseVxlanIdList(text);
    if ('problem' in parsed) throw new AllocatorError('invalid-argument', parsed.problem);
    return parsed.vni;
  }
}
