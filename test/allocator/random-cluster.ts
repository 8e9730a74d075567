/**
 * A seeded random run against the allocator: networks, services and tasks are created, updated, scaled and
 * removed the way the Control API and the orchestrator will, with the answers kept in plain objects as
 * the store would keep them, and now and then a new leader rebuilds its allocator from those objects.
 * After every step the run checks that no two live objects share a subnet, a VNI, an address or an
 * ingress port; that a refusal changed nothing and was deserved; and that an allocator rebuilt from the
 * objects holds exactly what the running one holds. At the end it frees everything and checks that it can
 * all be handed out again. A run is a pure function of its seed.
 */
import {
  AllocatorError,
  ingressNetworkSpec,
  NetworkAllocator,
  networkRemovalProblem,
  serviceSpecProblem,
  taskHoldsAddresses,
  type AllocatorOptions,
  type NetworkAllocationUpdate,
} from '../../server/allocator/index.ts';
import {
  cidrLast,
  cidrOf,
  cidrsOverlap,
  formatCidr,
  parseAddressWithPrefix,
  parseIpv4,
  type Cidr,
} from '../../lib/ipv4.ts';
import { SeededRng } from '../../server/raft/rng.ts';
import type {
  Network,
  NetworkSpec,
  PortConfig,
  Service,
  ServiceSpec,
  Task,
} from '../../server/store/index.ts';
import { newNetwork, newServiceSpec, newTask } from '../store/fixtures.ts';

export interface RunOptions {
  seed: number;
  steps: number;
  /** Makes the allocator under test (a deliberately broken one proves the checks bite). */
  makeAllocator?: (options: AllocatorOptions) => NetworkAllocator;
  /** Record every operation. */
  trace?: boolean;
}

export interface Violation {
  step: number;
  op: string;
  invariant: string;
  detail: string;
}

export interface RunResult {
  seed: number;
  violations: Violation[];
  stats: { allocated: number; refused: number; rebuilds: number; peakTasks: number };
  trace: string[];
}

/** The command that replays one seed of the property test. */
export function replayCommand(seed: number): string {
  return `ALLOCATOR_SEED=${seed} node --import tsx --test test/allocator/allocator-properties.test.ts`;
}

/** Small address spaces, so that overlap and exhaustion happen often. */
const CONFIGS: AllocatorOptions[] = [
  { defaultAddressPools: ['10.0.0.0/26'], subnetSize: 29 },
  { defaultAddressPools: ['10.0.0.0/25', '10.1.0.0/27'], subnetSize: 28 },
  { defaultAddressPools: ['10.0.0.0/24'], subnetSize: 27 },
];
const USER_SUBNETS = [
  '10.0.0.0/28',
  '10.0.0.16/29',
  '10.0.0.64/27',
  '10.0.1.0/29',
  '172.20.0.0/29',
  '172.20.0.0/28',
];
const PUBLISHED = [0, 0, 0, 80, 8080, 9000, 30000, 30001];
const META = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };
const META_KEY = 'com.docker.network.driver.overlay.vxlanid_list';

class Run {
  readonly rng: SeededRng;
  readonly options: AllocatorOptions;
  readonly make: (options: AllocatorOptions) => NetworkAllocator;
  allocator: NetworkAllocator;
  readonly networks = new Map<string, Network>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly violations: Violation[] = [];
  readonly trace: string[] = [];
  readonly stats = { allocated: 0, refused: 0, rebuilds: 0, peakTasks: 0 };
  step = 0;
  op = 'start';
  private counter = 0;

  constructor(options: RunOptions) {
    this.rng = new SeededRng(options.seed);
    this.options = this.rng.pick(CONFIGS);
    this.make = options.makeAllocator ?? (o => new NetworkAllocator(o));
    this.allocator = this.make(this.options);
  }

  violation(invariant: string, detail: string): void {
    this.violations.push({ step: this.step, op: this.op, invariant, detail });
  }

  nextId(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  /**
   * Runs `fn`; on an AllocatorError checks with `deserved` that the refusal was right. (That a refusal changed
   * nothing is checked after the step: the objects did not change, so the rebuilt allocator would differ.)
   */
  attempt<T>(fn: () => T, deserved: (err: AllocatorError) => string | undefined): T | undefined {
    try {
      const result = fn();
      this.stats.allocated++;
      return result;
    } catch (err) {
      if (!(err instanceof AllocatorError)) throw err;
      this.stats.refused++;
      const why = deserved(err);
      if (why !== undefined) this.violation('deserved refusal', `${err.message}: ${why}`);
      return undefined;
    }
  }

  writeBack(updates: NetworkAllocationUpdate[]): void {
    for (const { networkId, allocation } of updates) {
      const network = this.networks.get(networkId);
      if (network === undefined) this.violation('network updates', `update for unknown network ${networkId}`);
      else network.allocation = allocation;
    }
  }

  // Operations

  createNetwork(spec: NetworkSpec): void {
    const id = this.nextId('net');
    const network: Network = { ...newNetwork(id, spec.name, spec), meta: META };
    this.op = `create network ${id} ${JSON.stringify({ ipam: spec.ipam, options: spec.driverOptions })}`;
    const allocation = this.attempt(
      () => this.allocator.allocateNetwork(network),
      err => this.networkRefusalDeserved(err, network),
    );
    if (allocation === undefined) return;
    network.allocation = allocation;
    this.networks.set(id, network);
  }

  randomNetworkSpec(): NetworkSpec {
    const spec = newNetwork('x', this.nextId('n-'), {}).spec;
    if (this.rng.chance(0.3)) {
      const subnet = this.rng.pick(USER_SUBNETS);
      spec.ipam = { subnet };
      if (this.rng.chance(0.3)) {
        const p = parseAddressWithPrefix(subnet)!;
        spec.ipam.gateway = formatIpv4Text(p.address + 1 + this.rng.int(2 ** (32 - p.prefix) - 2));
      }
    }
    if (this.rng.chance(0.2))
      spec.driverOptions = { [META_KEY]: String(this.rng.pick([77, 4096, 4097, 4098, 4099])) };
    spec.attachable = this.rng.chance(0.3);
    if (![...this.networks.values()].some(n => n.spec.ingress) && this.rng.chance(0.2)) {
      return { ...ingressNetworkSpec(), name: spec.name }; // the ingress network was removed: make another
    }
    return spec;
  }

  removeNetwork(): void {
    const network = this.rng.pick([...this.networks.values()]);
    this.op = `remove network ${network.id}`;
    const attached = [...this.services.values()].filter(
      s => network.spec.ingress || s.spec.networks.some(n => n.target === network.id),
    );
    const tasks = [...this.tasks.values()].filter(t => t.networks.some(n => n.networkId === network.id));
    if (networkRemovalProblem(network, attached, tasks) !== undefined) return; // the Control API refuses first
    try {
      if (!this.allocator.releaseNetwork(network.id))
        this.violation('release', `network ${network.id} held nothing`);
    } catch (err) {
      this.violation('release', `network ${network.id} not released: ${String(err)}`);
      return;
    }
    this.networks.delete(network.id);
  }

  randomServiceSpec(name: string): ServiceSpec {
    const candidates = [...this.networks.values()].filter(n => !n.spec.ingress);
    const networks = candidates.filter(() => this.rng.chance(0.4)).slice(0, 2);
    const mode = this.rng.chance(0.75) ? 'vip' : 'dnsrr';
    const ports: PortConfig[] = [];
    for (let i = this.rng.int(3); i > 0; i--) {
      ports.push({
        protocol: this.rng.chance(0.8) ? 'tcp' : 'udp',
        targetPort: this.rng.pick([80, 81, 53]),
        publishedPort: this.rng.pick(PUBLISHED),
        publishMode: mode === 'vip' && this.rng.chance(0.7) ? 'ingress' : 'host',
      });
    }
    return newServiceSpec(name, {
      networks: networks.map(n => ({ target: n.id })),
      endpoint: { mode, ports },
    });
  }

  allocateService(id: string, spec: ServiceSpec, previous?: Service): void {
    if (serviceSpecProblem(spec, networkId => this.networks.get(networkId)) !== undefined) return; // refused at the boundary
    const result = this.attempt(
      () => this.allocator.allocateService({ id, spec }),
      err => this.serviceRefusalDeserved(err, id, spec),
    );
    if (result === undefined) return;
    const service: Service = {
      id,
      meta: META,
      spec,
      endpoint: result.endpoint,
      ...(previous === undefined ? {} : { previousSpec: previous.spec }),
    };
    this.services.set(id, service);
    this.writeBack(result.networkUpdates);
  }

  createService(): void {
    const id = this.nextId('svc');
    const spec = this.randomServiceSpec(`s-${id}`);
    this.op = `create service ${id} ${JSON.stringify({ networks: spec.networks, endpoint: spec.endpoint })}`;
    this.allocateService(id, spec);
  }

  updateService(): void {
    const service = this.rng.pick([...this.services.values()]);
    const spec = this.randomServiceSpec(service.spec.name);
    this.op = `update service ${service.id} ${JSON.stringify({ networks: spec.networks, endpoint: spec.endpoint })}`;
    this.allocateService(service.id, spec, service);
  }

  removeService(service = this.rng.pick([...this.services.values()])): void {
    this.op = `remove service ${service.id}`;
    for (const task of [...this.tasks.values()]) {
      if (task.serviceId !== service.id) continue;
      this.allocator.releaseTask(task.id);
      this.tasks.delete(task.id);
    }
    if (!this.allocator.releaseService(service.id))
      this.violation('release', `service ${service.id} held nothing`);
    this.services.delete(service.id);
  }

  scaleUp(): void {
    const service = this.rng.pick([...this.services.values()]);
    const count = 1 + this.rng.int(4);
    this.op = `scale up ${service.id} by ${count}`;
    for (let i = 0; i < count; i++) {
      const id = this.nextId('task');
      const task: Task = {
        ...newTask(id, service.id, i + 1),
        meta: META,
        status: { state: 'pending', timestamp: this.step },
        networks: this.allocator.taskNetworks(service.spec),
      };
      const result = this.attempt(
        () => this.allocator.allocateTask(task),
        err => this.taskRefusalDeserved(err, task),
      );
      if (result === undefined) return;
      task.networks = result.networks;
      this.tasks.set(id, task);
      this.writeBack(result.networkUpdates);
    }
    this.stats.peakTasks = Math.max(this.stats.peakTasks, this.tasks.size);
  }

  stopTask(): void {
    const alive = [...this.tasks.values()].filter(taskHoldsAddresses);
    if (alive.length === 0) return;
    const task = this.rng.pick(alive);
    const shutdown = this.rng.chance(0.5);
    this.op = `${shutdown ? 'shut down' : 'delete'} task ${task.id}`;
    // A dead task keeps its object (and its old addresses, for inspection) until the reaper deletes it.
    if (shutdown) task.status = { state: 'shutdown', timestamp: this.step };
    else this.tasks.delete(task.id);
    const held = task.networks.some(n => n.addresses.length > 0);
    if (this.allocator.releaseTask(task.id) !== held)
      this.violation('release', `task ${task.id}: held ${held}`);
  }

  newLeader(): void {
    this.op = 'new leader rebuilds';
    this.stats.rebuilds++;
    const fresh = this.make(this.options);
    const problems = fresh.rebuild(this.objects());
    if (problems.length > 0) this.violation('rebuild', JSON.stringify(problems));
    this.allocator = fresh;
  }

  objects(): { networks: Network[]; services: Service[]; tasks: Task[] } {
    return {
      networks: [...this.networks.values()],
      services: [...this.services.values()],
      tasks: [...this.tasks.values()],
    };
  }

  // Whether a refusal was deserved, judged from the objects alone

  networkRefusalDeserved(err: AllocatorError, network: Network): string | undefined {
    const live = [...this.networks.values()].map(n => ({ n, subnet: subnetOf(n) }));
    if (err.message.startsWith('invalid pool request: Pool overlaps')) {
      const wanted = parseCidrText(network.spec.ipam?.subnet);
      return wanted !== undefined && live.some(l => cidrsOverlap(l.subnet, wanted))
        ? undefined
        : 'nothing overlaps';
    }
    if (err.message === 'all predefined address pools have been fully subnetted') {
      for (const pool of this.options.defaultAddressPools ?? []) {
        const p = parseCidrText(pool)!;
        const size = 2 ** (32 - (this.options.subnetSize ?? 24));
        for (let base = p.base; base + size - 1 <= cidrLast(p); base += size) {
          const block = { base, prefix: this.options.subnetSize ?? 24 };
          if (!live.some(l => cidrsOverlap(l.subnet, block))) return `${formatCidr(block)} is free`;
        }
      }
      return undefined;
    }
    if (err.message.startsWith('could not assign vxlan id')) {
      const vni = Number(network.spec.driverOptions[META_KEY]);
      return live.some(l => l.n.allocation?.vni === vni) ? undefined : `VNI ${vni} is free`;
    }
    return `unexpected refusal (${err.kind})`;
  }

  serviceRefusalDeserved(err: AllocatorError, id: string, spec: ServiceSpec): string | undefined {
    const inUse =
      /^port '(\d+)' is already in use by service '[^']*' \(([^)]+)\) as (an ingress|a host-published) port$/.exec(
        err.message,
      );
    if (inUse !== null) {
      const [, port, holderId, as] = inUse;
      const holder = this.services.get(holderId ?? '');
      const mode = as === 'an ingress' ? 'ingress' : 'host';
      const holds = holder?.endpoint?.ports.some(
        p => String(p.publishedPort) === port && p.publishMode === mode,
      );
      return holder !== undefined && holder.id !== id && holds === true
        ? undefined
        : `service ${holderId} does not hold it`;
    }
    if (err.message.startsWith('could not find an available IP while allocating VIP')) {
      return this.fullNetworkDeserved(err.message);
    }
    if (err.message === 'service needs ingress network, but no ingress network is present') {
      const hasIngress = [...this.networks.values()].some(n => n.spec.ingress);
      return !hasIngress && spec.endpoint.ports.some(p => p.publishMode === 'ingress')
        ? undefined
        : 'there is one';
    }
    return `unexpected refusal (${err.kind})`;
  }

  taskRefusalDeserved(err: AllocatorError, task: Task): string | undefined {
    if (err.message.startsWith(`could not find an available IP for task ${task.id}`)) {
      return this.fullNetworkDeserved(err.message);
    }
    return `unexpected refusal (${err.kind})`;
  }

  /** Deserved if the network the message names has every host address held by a live object. */
  fullNetworkDeserved(message: string): string | undefined {
    const id = /\(([^,]+), [0-9./]+\) is full$/.exec(message)?.[1];
    const network = id === undefined ? undefined : this.networks.get(id);
    if (network === undefined) return 'no such network';
    const subnet = subnetOf(network);
    const held = this.heldAddresses().get(network.id)?.size ?? 0;
    return held === 2 ** (32 - subnet.prefix) - 2 ? undefined : `only ${held} addresses are held`;
  }

  // Invariants

  /** Live address → holder, per network, from the objects; reports any address held twice or outside its subnet. */
  heldAddresses(report = false): Map<string, Map<number, string>> {
    const held = new Map<string, Map<number, string>>();
    for (const network of this.networks.values()) {
      held.set(network.id, new Map([[parseIpv4(network.allocation?.gateway ?? '') ?? -1, 'gateway']]));
    }
    const hold = (networkId: string, addr: string, holder: string) => {
      const map = held.get(networkId);
      const network = this.networks.get(networkId);
      const parsed = parseAddressWithPrefix(addr);
      if (map === undefined || network === undefined || parsed === undefined) {
        if (report) this.violation('address', `${holder} holds ${addr} on missing network ${networkId}`);
        return;
      }
      const subnet = subnetOf(network);
      if (report && (parsed.address <= subnet.base || parsed.address >= cidrLast(subnet))) {
        this.violation('address', `${holder} holds ${addr}, not a host address of ${formatCidr(subnet)}`);
      }
      const other = map.get(parsed.address);
      if (report && other !== undefined)
        this.violation('unique address', `${addr} held by ${other} and ${holder}`);
      map.set(parsed.address, holder);
    };
    for (const service of this.services.values()) {
      for (const vip of service.endpoint?.virtualIPs ?? [])
        hold(vip.networkId, vip.addr, `service ${service.id}`);
    }
    for (const task of this.tasks.values()) {
      if (!taskHoldsAddresses(task)) continue;
      for (const n of task.networks)
        for (const addr of n.addresses) hold(n.networkId, addr, `task ${task.id}`);
    }
    return held;
  }

  check(): void {
    // Sorted by start, blocks are disjoint iff each ends before the next starts.
    const spans = [...this.networks.values()]
      .map(n => ({ n, first: subnetOf(n).base, last: cidrLast(subnetOf(n)) }))
      .sort((a, b) => a.first - b.first);
    for (const [i, b] of spans.entries()) {
      const a = spans[i - 1];
      if (a !== undefined && a.last >= b.first) {
        this.violation(
          'unique subnet',
          `${a.n.id} ${a.n.allocation?.subnet} and ${b.n.id} ${b.n.allocation?.subnet}`,
        );
      }
    }
    const vnis = new Map<number, string>();
    for (const { id, allocation } of this.networks.values()) {
      const other = vnis.get(allocation?.vni ?? -1);
      if (other !== undefined) this.violation('unique VNI', `${other} and ${id}: ${allocation?.vni}`);
      vnis.set(allocation?.vni ?? -1, id);
    }
    this.heldAddresses(true);
    const ingress = new Map<string, string>();
    const host = new Map<string, string>();
    for (const service of this.services.values()) {
      for (const port of service.endpoint?.ports ?? []) {
        if (port.publishedPort === 0) continue;
        const key = `${port.protocol}/${port.publishedPort}`;
        if (port.publishMode === 'ingress') {
          const other = ingress.get(key) ?? host.get(key);
          if (other !== undefined)
            this.violation('unique ingress port', `${key}: ${other} and ${service.id}`);
          ingress.set(key, service.id);
        } else {
          const other = ingress.get(key);
          if (other !== undefined)
            this.violation('unique ingress port', `${key}: ${other} (ingress) and ${service.id} (host)`);
          host.set(key, service.id);
        }
      }
    }
    const rebuilt = this.make(this.options);
    const problems = rebuilt.rebuild(this.objects());
    if (problems.length > 0) this.violation('rebuild', JSON.stringify(problems));
    const want = JSON.stringify(this.allocator.state());
    const got = JSON.stringify(rebuilt.state());
    if (got !== want) this.violation('rebuild equals incremental', firstDifference(want, got));
  }

  /** Frees everything, then checks it can all be handed out again as from a fresh start. */
  finish(): void {
    for (const service of [...this.services.values()]) this.removeService(service);
    this.op = 'free everything and hand it out again';
    for (const task of this.tasks.keys()) this.allocator.releaseTask(task);
    this.tasks.clear();
    for (const network of [...this.networks.values()]) {
      try {
        if (!this.allocator.releaseNetwork(network.id))
          this.violation('release', `network ${network.id} held nothing`);
      } catch (err) {
        this.violation('all freed', `network ${network.id} not released: ${String(err)}`);
        return;
      }
      this.networks.delete(network.id);
    }
    const state = this.allocator.state();
    const left = state.networks.length + state.services.length + state.tasks.length;
    if (left + state.ports.ingress.length + state.ports.host.length > 0) {
      this.violation('all freed', JSON.stringify(state));
    }
    // The same answers as a fresh allocator (subnets, VNIs, ports)...
    const fresh = this.make(this.options);
    const spec = (name: string): NetworkSpec => ({
      ...ingressNetworkSpec(),
      name,
      ingress: name === 'again1',
    });
    const port: PortConfig = { protocol: 'tcp', targetPort: 80, publishedPort: 0, publishMode: 'ingress' };
    const probe = newServiceSpec('probe', { endpoint: { mode: 'vip', ports: [port] } });
    const answers = (alloc: NetworkAllocator): string =>
      JSON.stringify([
        ...['again1', 'again2'].map(name => alloc.allocateNetwork({ id: name, spec: spec(name) })),
        alloc.allocateService({ id: 'probe', spec: probe }).endpoint,
      ]);
    const mine = answers(this.allocator);
    const theirs = answers(fresh);
    if (mine !== theirs) this.violation('reusable', `${mine} vs a fresh allocator's ${theirs}`);
    // ...and every address of a subnet comes round again, wherever its cursor stood.
    const capacity = 2 ** (32 - (this.options.subnetSize ?? 24)) - 2;
    let held = 1; // the gateway (the probe's VIP is on the ingress network, again1)
    while (held <= capacity) {
      try {
        this.allocator.allocateTask({
          id: `fill${held}`,
          networks: [{ networkId: 'again2', addresses: [] }],
        });
      } catch (err) {
        if (err instanceof AllocatorError && err.kind === 'resource-exhausted') break;
        throw err;
      }
      held++;
    }
    if (held !== capacity) this.violation('reusable', `${held} of ${capacity} addresses handed out`);
  }
}

function subnetOf(network: Network): Cidr {
  return parseCidrText(network.allocation?.subnet) ?? { base: -1, prefix: 32 };
}

function parseCidrText(text: string | undefined): Cidr | undefined {
  const parsed = text === undefined ? undefined : parseAddressWithPrefix(text);
  return parsed === undefined ? undefined : cidrOf(parsed.address, parsed.prefix);
}

function formatIpv4Text(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

function firstDifference(want: string, got: string): string {
  let i = 0;
  while (i < want.length && want[i] === got[i]) i++;
  return `incremental …${want.slice(Math.max(0, i - 80), i + 80)}… rebuilt …${got.slice(Math.max(0, i - 80), i + 80)}…`;
}

/** One seeded run of `steps` random operations. */
export function runAllocatorScenario(options: RunOptions): RunResult {
  const run = new Run(options);
  if (run.rng.chance(0.9)) run.createNetwork(ingressNetworkSpec());
  run.check();
  for (run.step = 1; run.step <= options.steps && run.violations.length === 0; run.step++) {
    const roll = run.rng.int(100);
    run.op = 'nothing to do';
    if (roll < 18 || run.networks.size === 0) run.createNetwork(run.randomNetworkSpec());
    else if (roll < 24) run.removeNetwork();
    else if (roll < 40 || run.services.size === 0) run.createService();
    else if (roll < 50) run.updateService();
    else if (roll < 56) run.removeService();
    else if (roll < 78) run.scaleUp();
    else if (roll < 95) run.stopTask();
    else run.newLeader();
    if (options.trace) run.trace.push(`${run.step}: ${run.op}`);
    run.check();
  }
  if (run.violations.length === 0) run.finish();
  return { seed: options.seed, violations: run.violations, stats: run.stats, trace: run.trace };
}
