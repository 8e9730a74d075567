/**
 * The desired model, pure: from the view and the local tasks to the namespaces, legs, remote entries and
 * rulesets the node should have. Gateway addresses (eth1) are kept from the applied model when a task
 * already has one, otherwise the lowest free one from 172.18.0.2 upward.
 */
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView, ViewNetwork } from '../../../proto/dispatcher-types.ts';
import { GATEWAY_BRIDGE, GATEWAY_SUBNET, INGRESS_LEG, legIfname, macForIp, shortTaskId } from '../names.ts';
import type { LegState, NetModel, OverlayState, RemoteEntry, TaskState } from './model.ts';

export interface HostPort {
  protocol: 'tcp' | 'udp';
  publishedPort: number;
  addr: string;
  targetPort: number;
}

export interface NodeRulesetInput {
  view: NetworkView;
  gatewayBridge: string;
  gatewaySubnet: string;
  ingressLeg: string | undefined;
  hostPorts: HostPort[];
}

/** The nft text builders (agent/network/plan-nft.ts), taken as input to keep this file independent of them. */
export interface Rulesets {
  task(view: NetworkView, networkIds: readonly string[]): string;
  node(input: NodeRulesetInput): string;
}

export interface DesiredInput {
  view: NetworkView;
  tasks: readonly WireTask[];
  nodeId: string;
  applied: NetModel;
  rulesets: Rulesets;
  /** Tasks left out (they failed in this change). By full id. */
  skipTasks?: ReadonlySet<string>;
  /** Overlays left out (they failed in this change), with every task on them. */
  skipVnis?: ReadonlySet<number>;
}

export interface Desired {
  model: NetModel;
  /** Task id → why it cannot have a sandbox from this view (not retried until the view changes). */
  invalid: Map<string, string>;
  /** Tasks left out because of skipVnis. */
  skipped: string[];
}

const ip = (cidr: string): string => cidr.split('/')[0] ?? '';
const prefixLen = (cidr: string): string => cidr.split('/')[1] ?? '32';

function ipToInt(a: string): number {
  return a.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map(s => Math.floor(n / 2 ** s) % 256).join('.');
}

const GW_BASE = ipToInt('172.18.0.0');
const GW_SIZE = 65536;

function inGatewaySubnet(cidr: string): boolean {
  const n = ipToInt(ip(cidr)) - GW_BASE;
  return prefixLen(cidr) === '16' && n >= 2 && n < GW_SIZE - 1;
}

/** Whether any service publishes a port through the routing mesh. */
export function publishesIngress(view: NetworkView): boolean {
  return view.services.some(s =>
    s.ports.some(p => (p.publishMode === '' || p.publishMode === 'ingress') && p.publishedPort > 0),
  );
}

export function desiredModel(input: DesiredInput): Desired {
  const { view, nodeId, applied } = input;
  const networks = new Map(view.networks.map(n => [n.id, n]));
  const nodes = new Map(view.nodes.map(n => [n.id, n]));
  const invalid = new Map<string, string>();
  const skipped: string[] = [];
  const overlayNets = new Map<number, ViewNetwork>();

  const publishing = publishesIngress(view);
  const ingress = view.networks.find(n => n.ingress);
  if (publishing && ingress && !input.skipVnis?.has(ingress.vni)) overlayNets.set(ingress.vni, ingress);

  // Legs first; gateway addresses once the set of tasks is known.
  const wanted: { task: WireTask; legs: LegState[] }[] = [];
  for (const task of input.tasks) {
    if (input.skipTasks?.has(task.id)) continue;
    const legs: LegState[] = [];
    let why = '';
    let skip = false;
    for (const [i, att] of task.networks.entries()) {
      const net = networks.get(att.networkId);
      const addr = att.addresses[0];
      if (!net) why = `network ${att.networkId} is not in the node's view`;
      else if (addr === undefined || addr === '') why = `no address on network ${net.name} yet`;
      else if (input.skipVnis?.has(net.vni)) skip = true;
      else legs.push({ networkId: net.id, vni: net.vni, ifname: legIfname(i), addr, mac: macForIp(addr) });
      if (why !== '') break;
    }
    if (why !== '') invalid.set(task.id, why);
    else if (skip) skipped.push(task.id);
    else {
      wanted.push({ task, legs });
      for (const leg of legs) {
        const net = networks.get(leg.networkId);
        if (net) overlayNets.set(net.vni, net);
      }
    }
  }

  const used = new Set<string>();
  const gatewayAddr = new Map<string, string>();
  for (const { task } of wanted) {
    const had = applied.tasks.get(shortTaskId(task.id))?.gatewayAddr ?? '';
    if (had !== '' && inGatewaySubnet(had) && !used.has(ip(had))) {
      used.add(ip(had));
      gatewayAddr.set(task.id, had);
    }
  }
  let next = 2;
  for (const { task } of wanted) {
    if (gatewayAddr.has(task.id)) continue;
    while (used.has(intToIp(GW_BASE + next))) next++;
    const a = intToIp(GW_BASE + next);
    used.add(a);
    gatewayAddr.set(task.id, `${a}/16`);
  }

  const tasks = new Map<string, TaskState>();
  for (const { task, legs } of wanted) {
    tasks.set(shortTaskId(task.id), {
      taskId: task.id,
      legs,
      gatewayAddr: gatewayAddr.get(task.id) ?? '',
      nft: input.rulesets.task(
        view,
        legs.map(l => l.networkId),
      ),
    });
  }

  const localIps = new Set([...tasks.values()].flatMap(t => t.legs.map(l => ip(l.addr))));
  const overlays = new Map<number, OverlayState>();
  for (const net of overlayNets.values()) {
    const remotes = new Map<string, RemoteEntry>();
    const add = (cidr: string, remoteNodeId: string): void => {
      const node = nodes.get(remoteNodeId);
      const a = ip(cidr);
      if (!node || node.addr === '' || a === '' || localIps.has(a)) return;
      remotes.set(a, { ip: a, mac: macForIp(a), nodeAddr: node.addr });
    };
    for (const e of view.endpoints) {
      if (e.networkId === net.id && e.nodeId !== nodeId && e.addr !== '') add(e.addr, e.nodeId);
    }
    if (net.ingress) {
      for (const n of view.nodes) if (n.id !== nodeId && n.ingressAddr !== '') add(n.ingressAddr, n.id);
    }
    overlays.set(net.vni, {
      vni: net.vni,
      networkId: net.id,
      gateway: `${net.gateway}/${prefixLen(net.subnet)}`,
      remotes,
    });
  }

  const own = nodes.get(nodeId);
  const ingressLeg =
    ingress && overlays.has(ingress.vni) && own && own.ingressAddr !== ''
      ? { addr: own.ingressAddr, vni: ingress.vni }
      : undefined;

  const services = new Map(view.services.map(s => [s.id, s]));
  const hostPorts: HostPort[] = [];
  for (const { task } of wanted) {
    const svc = services.get(task.serviceId);
    const addr = ip(gatewayAddr.get(task.id) ?? '');
    for (const p of svc?.ports ?? []) {
      if (p.publishMode !== 'host' || p.publishedPort <= 0) continue;
      hostPorts.push({
        protocol: p.protocol === 'udp' ? 'udp' : 'tcp',
        publishedPort: p.publishedPort,
        addr,
        targetPort: p.targetPort,
      });
    }
  }
  const nft = input.rulesets.node({
    view,
    gatewayBridge: GATEWAY_BRIDGE,
    gatewaySubnet: GATEWAY_SUBNET,
    ingressLeg: ingressLeg ? INGRESS_LEG : undefined,
    hostPorts,
  });

  return {
    model: { node: { gatewayBridge: true, ipForward: true, ingressLeg, nft }, overlays, tasks },
    invalid,
    skipped,
  };
}
