import {
  compareTaskStates,
  type Endpoint,
  type Network,
  type NetworkAllocation,
  type NetworkAttachment,
  type Node,
  type PortConfig,
  type Service,
  type ServiceSpec,
  type Task,
  type VirtualIp,
} from '../store/index.ts';
import { AddressPool } from './address-pool.ts';
import { AllocatorError } from './errors.ts';
import {
  cidrOf,
  formatCidr,
  formatIpv4,
  parseAddressWithPrefix,
  parseIpv4,
  type Cidr,
} from '../../lib/ipv4.ts';
import { FIRST_DYNAMIC_PORT, LAST_DYNAMIC_PORT, PortPool, portKey } from './port-pool.ts';
import { SubnetPool } from './subnet-pool.ts';
import {
  addressPoolShapeProblem,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_GATEWAY_SUBNET,
  DEFAULT_SUBNET_SIZE,
  endpointSpecProblem,
  gatewayOverlapProblem,
  parseGatewaySubnet,
  parseIpam,
  UNUSABLE_RANGES,
} from './validation.ts';
import { MAX_VNI, MIN_VNI, parseVxlanIdList, VniPool, VXLANID_LIST_OPTION } from './vni-pool.ts';

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

/** A network whose `allocation` changed (its serial cursor moved): write it back with the object that caused it. */
export interface NetworkAllocationUpdate {
  networkId: string;
  allocation: NetworkAllocation;
}

/** What `allocateService` gave: the service's new `endpoint`, and the networks to write back with it. */
export interface ServiceAllocation {
  endpoint: Endpoint;
  networkUpdates: NetworkAllocationUpdate[];
}

/** What `allocateTask` gave: the task's new `networks`, and the networks to write back with it. */
export interface TaskAllocation {
  networks: NetworkAttachment[];
  networkUpdates: NetworkAllocationUpdate[];
}

/** Everything the allocator holds, in a canonical order: two allocators that agree have equal states. */
export interface AllocatorState {
  ingressNetworkId: string | null;
  networks: { id: string; allocation: NetworkAllocation; addresses: [string, string][] }[];
  ports: { ingress: [string, string][]; host: [string, string[]][] };
  services: { id: string; name: string; endpoint: Endpoint }[];
  tasks: { id: string; networks: NetworkAttachment[] }[];
}

interface NetworkRecord {
  id: string;
  name: string;
  ingress: boolean;
  vni: number;
  gateway: number;
  pool: AddressPool;
}

interface ServiceRecord {
  name: string;
  /** Network id → VIP, in endpoint order. */
  vips: Map<string, number>;
  endpoint: Endpoint;
}

interface TaskRecord {
  attachments: { networkId: string; addresses: number[] }[];
}

/**
 * True while a task holds its addresses: until its observed state passes RUNNING (Swarm frees them then, or
 * when the task is deleted). `rebuild` takes back the addresses of these tasks only; call `releaseTask` when
 * one stops being so.
 */
export function taskHoldsAddresses(task: Pick<Task, 'status'>): boolean {
  return compareTaskStates(task.status.state, 'running') <= 0;
}

/** True if the service publishes a port through the routing mesh, so it and its tasks join the ingress network. */
export function publishesIngress(spec: ServiceSpec): boolean {
  return spec.endpoint.ports.some(port => port.publishMode === 'ingress');
}

/** Undo steps of a call in progress, run backwards if it fails, so a refused call changes nothing. */
class Journal {
  private readonly steps: (() => void)[] = [];
  push(step: () => void): void {
    this.steps.push(step);
  }
  rollback(): void {
    for (const step of this.steps.reverse()) step();
  }
}

function holderOfService(id: string): string {
  return `service:${id}`;
}

function holderOfTask(id: string): string {
  return `task:${id}`;
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
  private subnets!: SubnetPool;
  private vnis!: VniPool;
  private ports!: PortPool;
  private networks!: Map<string, NetworkRecord>;
  private services!: Map<string, ServiceRecord>;
  private tasks!: Map<string, TaskRecord>;
  private ingressId: string | undefined;

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
    return this.ingressId;
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
        attempt('networks', network.id, () => this.restoreNetwork(network, allocation));
    }
    for (const service of byId(objects.services)) {
      const { endpoint } = service;
      if (endpoint !== undefined)
        attempt('services', service.id, () => this.restoreService(service, endpoint));
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
    if (this.networks.has(id))
      throw new AllocatorError('already-exists', `network ${id} is already allocated`);
    if (spec.ingress && this.ingressId !== undefined) {
      throw new AllocatorError('already-exists', `ingress network (${this.ingressId}) is already present`);
    }
    const ipam = parseIpam(spec.ipam);
    if ('problem' in ipam) throw new AllocatorError('invalid-argument', ipam.problem);
    const pinned = this.pinnedVni(spec.driverOptions);
    let subnet = ipam.subnet;
    if (subnet !== undefined) {
      const problem = gatewayOverlapProblem('subnet', subnet, this.gatewaySubnet);
      if (problem !== undefined) throw new AllocatorError('invalid-argument', problem);
      this.checkNoOverlap(subnet);
    } else {
      subnet = this.subnets.next();
      if (subnet === undefined) {
        throw new AllocatorError(
          'resource-exhausted',
          'all predefined address pools have been fully subnetted',
        );
      }
    }
    let vni = pinned;
    if (vni !== undefined) {
      this.checkVniFree(vni);
    } else {
      vni = this.vnis.next();
      if (vni === undefined)
        throw new AllocatorError('resource-exhausted', 'no VXLAN ID is left to allocate');
    }
    const pool = new AddressPool(subnet);
    let gateway = ipam.gateway;
    if (gateway !== undefined) pool.take(gateway, 'gateway');
    else gateway = pool.takeNext('gateway') as number; // a new subnet of at most /29 has room
    this.addNetwork({ id, name: spec.name, ingress: spec.ingress, vni, gateway, pool });
    return this.allocationOf(this.networks.get(id) as NetworkRecord);
  }

  /**
   * Frees the subnet and VNI of network `id`; false if it holds none. Throws AllocatorError
   * (failed-precondition, Swarm's text) while a service or task still holds an address in it.
   */
  releaseNetwork(id: string): boolean {
    const record = this.networks.get(id);
    if (record === undefined) return false;
    const user = record.pool.entries().find(([, holder]) => holder !== 'gateway');
    if (user !== undefined) {
      const [kind, holderId] = user[1].split(':', 2) as [string, string];
      throw new AllocatorError('failed-precondition', `network ${id} is in use by ${kind} ${holderId}`);
    }
    this.subnets.release(id);
    this.vnis.release(record.vni);
    this.networks.delete(id);
    if (this.ingressId === id) this.ingressId = undefined;
    return true;
  }

  /** The allocation of network `id` as it stands (with its serial cursor), or undefined if it has none. */
  networkAllocation(id: string): NetworkAllocation | undefined {
    const record = this.networks.get(id);
    return record === undefined ? undefined : this.allocationOf(record);
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
    const { id, spec } = service;
    const problem = endpointSpecProblem(spec.endpoint);
    if (problem !== undefined) throw new AllocatorError('invalid-argument', problem);
    const vipNetworks = this.vipNetworksFor(spec);
    const old = this.services.get(id);
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
        const record = this.networks.get(networkId) as NetworkRecord;
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
      const ports = this.allocatePorts(id, spec, old, journal);
      // Past this point nothing throws: free what is no longer needed, record the rest.
      const ingressKeys = new Set(
        ports.filter(p => p.publishMode === 'ingress').map(p => portKey(p.protocol, p.publishedPort)),
      );
      if (old !== undefined) {
        for (const [networkId, address] of old.vips) {
          if (vips.get(networkId) !== address) this.networks.get(networkId)?.pool.release(address);
        }
        for (const port of old.endpoint.ports) {
          const key = portKey(port.protocol, port.publishedPort);
          if (port.publishMode === 'ingress') {
            if (!ingressKeys.has(key)) this.ports.releaseIngress(key);
          } else if (port.publishedPort !== 0) {
            this.ports.removeHost(key, id);
          }
        }
      }
      for (const port of ports) {
        if (port.publishMode === 'host' && port.publishedPort !== 0) {
          this.ports.addHost(portKey(port.protocol, port.publishedPort), id);
        }
      }
      const virtualIPs: VirtualIp[] = [...vips].map(([networkId, address]) => ({
        networkId,
        addr: this.withPrefix(networkId, address),
      }));
      const endpoint: Endpoint = { ports, virtualIPs };
      this.services.set(id, { name: spec.name, vips, endpoint });
      return { endpoint: copyEndpoint(endpoint), networkUpdates: this.updatesFor(touched) };
    } catch (err) {
      journal.rollback();
      throw err;
    }
  }

  /** Frees the VIPs and published ports of service `id`; false if it holds none. */
  releaseService(id: string): boolean {
    const record = this.services.get(id);
    if (record === undefined) return false;
    for (const [networkId, address] of record.vips) this.networks.get(networkId)?.pool.release(address);
    for (const port of record.endpoint.ports) {
      const key = portKey(port.protocol, port.publishedPort);
      if (port.publishMode === 'ingress') this.ports.releaseIngress(key);
      else if (port.publishedPort !== 0) this.ports.removeHost(key, id);
    }
    this.services.delete(id);
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
      networks = this.vipNetworksFor(spec);
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
    if (publishesIngress(spec) && this.ingressId !== undefined) ids.unshift(this.ingressId);
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
    const { id } = task;
    const holder = holderOfTask(id);
    const old = this.tasks.get(id);
    const journal = new Journal();
    const touched = new Set<string>();
    try {
      const attachments: TaskRecord['attachments'] = [];
      for (const { networkId, addresses: given } of task.networks) {
        const record = this.networks.get(networkId);
        if (record === undefined)
          throw new AllocatorError('failed-precondition', `network ${networkId} is not allocated`);
        if (attachments.some(a => a.networkId === networkId)) {
          throw new AllocatorError(
            'invalid-argument',
            `task ${id} is attached to network ${record.name} twice`,
          );
        }
        const { pool } = record;
        const addresses: number[] = [];
        if (given.length === 0) {
          const before = pool.lastAddress;
          const address = pool.takeNext(holder);
          if (address === undefined) {
            throw new AllocatorError(
              'resource-exhausted',
              `could not find an available IP for task ${id}: ${describe(record)} is full`,
            );
          }
          journal.push(() => {
            pool.release(address);
            pool.restoreCursor(before);
          });
          touched.add(networkId);
          addresses.push(address);
        }
        for (const text of given) {
          const parsed = parseAddressWithPrefix(text);
          if (parsed === undefined || !pool.isHost(parsed.address) || addresses.includes(parsed.address)) {
            throw new AllocatorError(
              'invalid-argument',
              `address ${text} is not a free host address of ${describe(record)}`,
            );
          }
          const current = pool.holderOf(parsed.address);
          if (current !== undefined && current !== holder) {
            throw new AllocatorError(
              'invalid-argument',
              `address ${text} of ${describe(record)} is held by ${current.replace(':', ' ')}`,
            );
          }
          if (current === undefined) {
            pool.take(parsed.address, holder);
            journal.push(() => pool.release(parsed.address));
          }
          addresses.push(parsed.address);
        }
        attachments.push({ networkId, addresses });
      }
      for (const { networkId, addresses } of old?.attachments ?? []) {
        const kept = attachments.find(a => a.networkId === networkId)?.addresses ?? [];
        for (const address of addresses)
          if (!kept.includes(address)) this.networks.get(networkId)?.pool.release(address);
      }
      // A task on no network holds nothing, as a rebuilt allocator would see it.
      if (attachments.length > 0) this.tasks.set(id, { attachments });
      else this.tasks.delete(id);
      return { networks: this.attachmentsOf(attachments), networkUpdates: this.updatesFor(touched) };
    } catch (err) {
      journal.rollback();
      throw err;
    }
  }

  /**
   * Gives node `id` its leg on the ingress network, or takes back the one it has: every node's routing
   * mesh reaches remote tasks through it (swarmkit's node attachment). Legs are taken from the top of the
   * subnet down, so nodes joining do not move the addresses services and tasks get from the bottom.
   * Throws AllocatorError as `allocateTask` does, and failed-precondition when there is no ingress network.
   */
  allocateNode(node: Pick<Node, 'id' | 'attachment'>): TaskAllocation {
    const ingress = this.ingressId;
    const record = ingress === undefined ? undefined : this.networks.get(ingress);
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
    return [...this.tasks.keys()].filter(k => k.startsWith(NODE_KEY)).map(k => k.slice(NODE_KEY.length));
  }

  /** Frees the addresses of task `id`; false if it holds none. */
  releaseTask(id: string): boolean {
    const record = this.tasks.get(id);
    if (record === undefined) return false;
    for (const { networkId, addresses } of record.attachments) {
      const pool = this.networks.get(networkId)?.pool;
      for (const address of addresses) pool?.release(address);
    }
    this.tasks.delete(id);
    return true;
  }

  /** Everything held, canonically ordered (for comparing allocators and for debugging). */
  state(): AllocatorState {
    const sorted = <T>(map: Map<string, T>): [string, T][] => [...map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return {
      ingressNetworkId: this.ingressId ?? null,
      networks: sorted(this.networks).map(([id, record]) => ({
        id,
        allocation: this.allocationOf(record),
        addresses: record.pool.entries().map(([address, holder]) => [formatIpv4(address), holder]),
      })),
      ports: this.ports.entries(),
      services: sorted(this.services).map(([id, record]) => ({
        id,
        name: record.name,
        endpoint: copyEndpoint(record.endpoint),
      })),
      tasks: sorted(this.tasks).map(([id, record]) => ({
        id,
        networks: this.attachmentsOf(record.attachments),
      })),
    };
  }

  private reset(): void {
    this.subnets = new SubnetPool(this.addressPools, this.subnetSize, [
      this.gatewaySubnet,
      ...UNUSABLE_RANGES.map(r => r.cidr),
    ]);
    this.vnis = new VniPool();
    this.ports = new PortPool();
    this.networks = new Map();
    this.services = new Map();
    this.tasks = new Map();
    this.ingressId = undefined;
  }

  private addNetwork(record: NetworkRecord): void {
    this.subnets.take(record.id, record.pool.subnet);
    this.vnis.take(record.vni, record.id);
    this.networks.set(record.id, record);
    if (record.ingress) this.ingressId = record.id;
  }

  /** Takes back a stored network allocation, checking it as `allocateNetwork` would have. */
  private restoreNetwork(network: Network, allocation: NetworkAllocation): void {
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
    if (spec.ingress && this.ingressId !== undefined) {
      throw new AllocatorError('already-exists', `ingress network (${this.ingressId}) is already present`);
    }
    this.checkNoOverlap(subnet);
    this.checkVniFree(allocation.vni);
    pool.restoreCursor(last);
    pool.take(gateway, 'gateway');
    this.addNetwork({ id, name: spec.name, ingress: spec.ingress, vni: allocation.vni, gateway, pool });
  }

  /** Takes back a stored service endpoint: its VIPs and its published ports, all or nothing. */
  private restoreService(service: Service, endpoint: Endpoint): void {
    const { id } = service;
    const journal = new Journal();
    try {
      const vips = new Map<string, number>();
      for (const { networkId, addr } of endpoint.virtualIPs) {
        const record = this.networks.get(networkId);
        const parsed = parseAddressWithPrefix(addr);
        if (record === undefined)
          throw new AllocatorError(
            'failed-precondition',
            `VIP ${addr}: network ${networkId} is not allocated`,
          );
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
        const holder = this.ports.ingressHolder(key);
        if (port.publishedPort === 0 || holder !== undefined) {
          throw new AllocatorError(
            'invalid-argument',
            `ingress port ${key} cannot be taken back (held by service ${holder ?? 'none'})`,
          );
        }
        this.ports.takeIngress(key, id);
        journal.push(() => this.ports.releaseIngress(key));
      }
      for (const port of endpoint.ports) {
        if (port.publishMode === 'host' && port.publishedPort !== 0)
          this.ports.addHost(portKey(port.protocol, port.publishedPort), id);
      }
      this.services.set(id, { name: service.spec.name, vips, endpoint: copyEndpoint(endpoint) });
    } catch (err) {
      journal.rollback();
      throw err;
    }
  }

  /**
   * The spec's ports with ingress-mode published ports taken: explicit ones first, then the dynamic ones,
   * which never land on a port the spec names. Conflict checks are swarmkit's `checkPortConflicts`.
   */
  private allocatePorts(
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
      const ingressHolder = this.ports.ingressHolder(key);
      if (ingressHolder !== undefined && ingressHolder !== id)
        throw this.portInUse(port.publishedPort, ingressHolder, 'an ingress port');
      if (port.publishMode !== 'ingress') continue;
      const hostHolder = this.ports.hostHolders(key).find(holder => holder !== id);
      if (hostHolder !== undefined)
        throw this.portInUse(port.publishedPort, hostHolder, 'a host-published port');
      if (ingressHolder === undefined) {
        this.ports.takeIngress(key, id);
        journal.push(() => this.ports.releaseIngress(key));
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
      const next = this.ports.nextDynamic(port.protocol, named);
      if (next === undefined) {
        throw new AllocatorError(
          'resource-exhausted',
          `no ${port.protocol} port is left in the dynamic range ${FIRST_DYNAMIC_PORT}-${LAST_DYNAMIC_PORT}`,
        );
      }
      const key = portKey(port.protocol, next);
      this.ports.takeIngress(key, id);
      journal.push(() => this.ports.releaseIngress(key));
      port.publishedPort = next;
    }
    return ports;
  }

  /** Swarm's text for a published port another service holds. */
  private portInUse(port: number, serviceId: string, as: string): AllocatorError {
    const name = this.services.get(serviceId)?.name ?? '';
    return new AllocatorError(
      'invalid-argument',
      `port '${port}' is already in use by service '${name}' (${serviceId}) as ${as}`,
    );
  }

  /**
   * The networks a service with `spec` gets VIPs on, in endpoint order; checks every network it names.
   * Throws AllocatorError as `allocateService` describes.
   */
  private vipNetworksFor(spec: ServiceSpec): string[] {
    const ids: string[] = [];
    for (const { target } of spec.networks) {
      const record = this.networks.get(target);
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
    if (ingress && this.ingressId === undefined) {
      throw new AllocatorError(
        'failed-precondition',
        'service needs ingress network, but no ingress network is present',
      );
    }
    if (spec.endpoint.mode !== 'vip') return [];
    return ingress && this.ingressId !== undefined ? [this.ingressId, ...ids] : ids;
  }

  /** The VNI a `vxlanid_list` option pins, or undefined. Throws AllocatorError (invalid-argument) if malformed. */
  private pinnedVni(options: Record<string, string>): number | undefined {
    const text = options[VXLANID_LIST_OPTION];
    if (text === undefined) return undefined;
    const parsed = parseVxlanIdList(text);
    if ('problem' in parsed) throw new AllocatorError('invalid-argument', parsed.problem);
    return parsed.vni;
  }

  /** Throws AllocatorError (invalid-argument, libnetwork's text plus which network) if `subnet` overlaps one held. */
  private checkNoOverlap(subnet: Cidr): void {
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
  private checkVniFree(vni: number): void {
    const holderId = this.vnis.holderOf(vni);
    if (holderId === undefined) return;
    const holder = this.networks.get(holderId);
    throw new AllocatorError(
      'invalid-argument',
      `could not assign vxlan id ${vni}: it is in use by network '${holder?.name ?? ''}' (${holderId})`,
    );
  }

  private allocationOf(record: NetworkRecord): NetworkAllocation {
    const last = record.pool.lastAddress;
    return {
      subnet: formatCidr(record.pool.subnet),
      gateway: formatIpv4(record.gateway),
      vni: record.vni,
      ...(last === undefined ? {} : { lastAddress: formatIpv4(last) }),
    };
  }

  private updatesFor(networkIds: Set<string>): NetworkAllocationUpdate[] {
    return [...networkIds].sort().map(networkId => ({
      networkId,
      allocation: this.allocationOf(this.networks.get(networkId) as NetworkRecord),
    }));
  }

  private withPrefix(networkId: string, address: number): string {
    const prefix = this.networks.get(networkId)?.pool.subnet.prefix ?? 32;
    return `${formatIpv4(address)}/${prefix}`;
  }

  private attachmentsOf(attachments: TaskRecord['attachments']): NetworkAttachment[] {
    return attachments.map(({ networkId, addresses }) => ({
      networkId,
      addresses: addresses.map(address => this.withPrefix(networkId, address)),
    }));
  }
}

/** A copy of `endpoint` (a plain-data tree two levels deep; cheaper than structuredClone on hot paths). */
function copyEndpoint(endpoint: Endpoint): Endpoint {
  return {
    ports: endpoint.ports.map(port => ({ ...port })),
    virtualIPs: endpoint.virtualIPs.map(vip => ({ ...vip })),
  };
}

/** A network as error messages name it. */
function describe(record: NetworkRecord): string {
  return `network '${record.name}' (${record.id}, ${formatCidr(record.pool.subnet)})`;
}
