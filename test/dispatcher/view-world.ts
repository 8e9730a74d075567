/**
 * A small random cluster for the network view's property tests, seeded and replayable: nodes joining,
 * leaving and changing address or routing-mesh leg; networks created, allocated, made ingress, removed;
 * services with VIPs and ports created, changed, removed; tasks placed, moved, running, ended, with and
 * without addresses, on networks that may not exist; the gateway range changing. Ids come from small
 * pools so that changes collide.
 */
import type { ViewInputs } from '../../server/dispatcher/network-view.ts';
import type { NetworkViewIndex } from '../../server/dispatcher/view-index.ts';
import {
  TASK_STATES,
  type Network,
  type Node,
  type Service,
  type Task,
  type TaskState,
} from '../../server/store/index.ts';
import { newTaskSpec } from '../store/fixtures.ts';

/** mulberry32: a seeded generator, so that a failing seed replays. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeds a property test runs: `VIEW_SEED` alone (to replay one), else `count` from a fixed start. */
export function seeds(count: number): number[] {
  const one = process.env.VIEW_SEED;
  if (one !== undefined && one !== '') return [Number(one)];
  return Array.from({ length: count }, (_, i) => 1000 + i);
}

export type WorldEvent =
  | { table: 'task'; object: Task; removed: boolean }
  | { table: 'node'; object: Node; removed: boolean }
  | { table: 'network'; object: Network; removed: boolean }
  | { table: 'service'; object: Service; removed: boolean }
  | { table: 'gateway'; subnet: string };

const meta = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };

export const NODE_IDS = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const NETWORK_IDS = ['ing', 'ing2', 'k0', 'k1', 'k2', 'k3'];
const SERVICE_IDS = ['s0', 's1', 's2', 's3'];

export class World {
  readonly nodes = new Map<string, Node>();
  readonly networks = new Map<string, Network>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  gatewaySubnet = '172.18.0.0/16';
  private readonly r: () => number;

  constructor(seed: number) {
    this.r = rng(seed);
  }

  inputs(): ViewInputs {
    return {
      nodes: [...this.nodes.values()],
      networks: [...this.networks.values()],
      services: [...this.services.values()],
      tasks: [...this.tasks.values()],
      gatewaySubnet: this.gatewaySubnet,
    };
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  /** One random change, applied to the world and returned as the store's watch would report it. */
  step(): WorldEvent {
    const x = this.r();
    if (x < 0.55) return this.taskChange();
    if (x < 0.7) return this.nodeChange();
    if (x < 0.82) return this.networkChange();
    if (x < 0.97) return this.serviceChange();
    this.gatewaySubnet = this.pick(['172.18.0.0/16', '172.31.0.0/20']);
    return { table: 'gateway', subnet: this.gatewaySubnet };
  }

  private taskChange(): WorldEvent {
    const id = `t${Math.floor(this.r() * 24)}`;
    const old = this.tasks.get(id);
    if (old !== undefined && this.chance(0.12)) {
      this.tasks.delete(id);
      return { table: 'task', object: old, removed: true };
    }
    // Mostly small changes of a known task (a state, a move), sometimes a new one from scratch.
    const fresh = old === undefined || this.chance(0.25);
    const base: Task = fresh ? this.newTask(id) : old;
    const t: Task = { ...base };
    const what = fresh ? 0 : this.r();
    if (what < 0.45) t.status = { state: this.pick(TASK_STATES) as TaskState, timestamp: 0 };
    else if (what < 0.6) t.desiredState = this.pick(['running', 'shutdown'] as const);
    else if (what < 0.8) t.nodeId = this.pick(['', ...NODE_IDS]);
    else if (what < 0.9) t.networks = this.attachments();
    else t.slot = Math.floor(this.r() * 3);
    this.tasks.set(id, t);
    return { table: 'task', object: t, removed: false };
  }

  private newTask(id: string): Task {
    const standalone = this.chance(0.15);
    return {
      id,
      meta,
      serviceId: standalone ? '' : this.pick(SERVICE_IDS),
      slot: standalone ? 0 : 1 + Math.floor(this.r() * 3),
      nodeId: this.pick(['', ...NODE_IDS]),
      desiredState: this.chance(0.85) ? 'running' : 'shutdown',
      status: { state: this.pick(TASK_STATES) as TaskState, timestamp: 0 },
      spec: newTaskSpec(),
      networks: this.attachments(),
      ...(standalone ? { standalone: { name: `c-${id}` } } : {}),
    } as Task;
  }

  /** Distinct networks (as the allocator makes them), some without an address yet, some unknown. */
  private attachments(): Task['networks'] {
    const out: Task['networks'] = [];
    for (const networkId of [...NETWORK_IDS, 'k9']) {
      if (!this.chance(0.3)) continue;
      const addresses = this.chance(0.85)
        ? [`10.${NETWORK_IDS.indexOf(networkId) + 1}.0.${out.length + 2}/24`]
        : [];
      out.push({ networkId, addresses });
    }
    return out;
  }

  private nodeChange(): WorldEvent {
    const id = this.pick(NODE_IDS);
    const old = this.nodes.get(id);
    if (old !== undefined && this.chance(0.15)) {
      this.nodes.delete(id);
      return { table: 'node', object: old, removed: true };
    }
    const leg = this.r();
    const n = {
      id,
      meta,
      spec: { availability: 'active', labels: {} },
      role: 'worker',
      status: {
        state: this.pick(['ready', 'down'] as const),
        addr: this.pick(['192.0.2.1', '192.0.2.2', '']),
      },
      description: { hostname: id },
      certificate: { status: 'issued' },
      ...(leg < 0.3
        ? {}
        : {
            attachment: {
              networkId: leg < 0.8 ? 'ing' : this.pick(['ing2', 'k0']),
              addresses: this.chance(0.85) ? [this.pick(['10.0.0.2/24', '10.0.0.3/24'])] : [],
            },
          }),
    } as Node;
    this.nodes.set(id, n);
    return { table: 'node', object: n, removed: false };
  }

  private networkChange(): WorldEvent {
    const id = this.pick(NETWORK_IDS);
    const old = this.networks.get(id);
    if (old !== undefined && this.chance(0.2)) {
      this.networks.delete(id);
      return { table: 'network', object: old, removed: true };
    }
    const i = NETWORK_IDS.indexOf(id) + 1;
    const n: Network = {
      id,
      meta,
      spec: {
        name: this.pick([id, `${id}-renamed`]),
        labels: {},
        driver: 'overlay',
        driverOptions: {},
        attachable: this.chance(0.5),
        internal: false,
        ingress: id.startsWith('ing') ? this.chance(0.85) : this.chance(0.05),
      },
      ...(this.chance(0.8)
        ? { allocation: { subnet: `10.${i}.0.0/24`, gateway: `10.${i}.0.1`, vni: 4096 + i } }
        : {}),
    };
    this.networks.set(id, n);
    return { table: 'network', object: n, removed: false };
  }

  private serviceChange(): WorldEvent {
    const id = this.pick(SERVICE_IDS);
    const old = this.services.get(id);
    if (old !== undefined && this.chance(0.15)) {
      this.services.delete(id);
      return { table: 'service', object: old, removed: true };
    }
    const ports = this.chance(0.4)
      ? [
          {
            protocol: this.pick(['tcp', 'udp'] as const),
            targetPort: 80,
            publishedPort: this.pick([8080, 9090]),
            // Host mode now and then: only a routing-mesh port brings the nodes' legs into views.
            publishMode: this.pick(['ingress', 'ingress', 'host'] as const),
          },
        ]
      : [];
    const vips = NETWORK_IDS.filter(() => this.chance(0.3)).map((networkId, j) => ({
      networkId,
      addr: `10.${NETWORK_IDS.indexOf(networkId) + 1}.0.${200 + j}/24`,
    }));
    const s = {
      id,
      meta,
      spec: {
        name: id,
        labels: {},
        mode: { replicated: { replicas: 1 } },
        task: newTaskSpec(),
        networks: [],
        endpoint: { mode: this.pick(['vip', 'dnsrr'] as const), ports },
      },
      ...(this.chance(0.8) ? { endpoint: { ports, virtualIPs: vips } } : {}),
    } as unknown as Service;
    this.services.set(id, s);
    return { table: 'service', object: s, removed: false };
  }
}

/** Hands `ev` to `index`, as the dispatcher hands it the store's events. */
export function feed(index: NetworkViewIndex, ev: WorldEvent): void {
  switch (ev.table) {
    case 'task':
      return index.task(ev.object, ev.removed);
    case 'node':
      return index.node(ev.object, ev.removed);
    case 'network':
      return index.network(ev.object, ev.removed);
    case 'service':
      return index.service(ev.object, ev.removed);
    case 'gateway':
      return index.gatewaySubnet(ev.subnet);
  }
}
