/**
 * The desired model, pure: from the view and the local tasks to the namespaces, legs, remote entries and
 * rulesets the node should have. The gateway bridge's range comes with the view (the cluster's `swarm
 * init --gateway-subnet`): the bridge takes its first host address; a task keeps the eth1 address it has
 * in the applied model if that is still in the range, otherwise it gets the lowest free one after the
 * bridge's. Without a range from the managers no task gets a sandbox: never one on a guessed range.
 */
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView, ViewNetwork } from '../../../proto/dispatcher-types.ts';
import { publishesThroughMesh } from '../../../lib/routing-mesh.ts';
import { cidrLast, cidrOf, formatIpv4, parseAddressWithPrefix, type Cidr } from '../../../lib/ipv4.ts';
import { GATEWAY_BRIDGE, INGRESS_LEG, OVERLAY_MTU, legIfname, macForIp, shortTaskId } from './names.ts';
import type { TaskDnsRedirect } from './plan-dns-redirect.ts';
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
  /** The embedded DNS's address on the gateway bridge. */
  resolver: string;
  /** eth1 addresses (without prefix) of tasks on --internal networks only: the node forwards nothing of theirs. */
  internalAddrs: string[];
}

/** The nft text builders (agent/network/planner/plan-nft.ts), taken as input to keep this file independent of them. */
export interface Rulesets {
  /** `dns`: where the task's 127.0.0.11:53 goes (the node's resolver, asked from its eth1 address). */
  task(view: NetworkView, networkIds: readonly string[], dns: TaskDnsRedirect): string;
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

/** The view's gateway bridge range as a block with room for the bridge and a task, or why there is none. */
function gatewayRangeOf(view: NetworkView): Cidr | string {
  const text = view.gatewaySubnet;
  if (text === '') return "the managers have not sent the node's gateway bridge range yet";
  const parsed = parseAddressWithPrefix(text);
  const cidr = parsed === undefined ? undefined : cidrOf(parsed.address, parsed.prefix);
  if (parsed === undefined || cidr === undefined || cidr.base !== parsed.address || cidr.prefix > 30) {
    return `the gateway bridge range ${JSON.stringify(text.slice(0, 40))} from the managers is not usable`;
  }
  return cidr;
}

/** The gateway bridge's address on `range` (CIDR): its first host. */
export function gatewayBridgeAddr(range: Cidr): string {
  return `${formatIpv4(range.base + 1)}/${range.prefix}`;
}

/** Whether `cidr` is a task's address on `range` (or a /32 there): after the bridge's, before the broadcast address. */
function isTaskGatewayAddr(cidr: string, range: Cidr): boolean {
  const parsed = parseAddressWithPrefix(cidr);
  return (
    parsed !== undefined &&
    (parsed.prefix === range.prefix || parsed.prefix === 32) &&
    parsed.address >= range.base + 2 &&
    parsed.address < cidrLast(range)
  );
}

/**
 * Whether a task's networks are all --internal (Docker's rule: it needs no way out then; one network
 * that is not internal, the ingress network too, gives it one).
 */
function internalOnly(legs: readonly LegState[], networks: ReadonlyMap<string, ViewNetwork>): boolean {
  return legs.length > 0 && legs.every(l => networks.get(l.networkId)?.internal === true);
}

/** Whether any service publishes a port through the routing mesh. */
export function publishesIngress(view: NetworkView): boolean {
  return view.services.some(publishesThroughMesh);
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

  const range = gatewayRangeOf(view);

  // Legs first; gateway addresses once the set of tasks is known.
  let wanted: { task: WireTask; legs: LegState[] }[] = [];
  for (const task of input.tasks) {
    if (input.skipTasks?.has(task.id)) continue;
    if (typeof range === 'string') {
      invalid.set(task.id, range);
      continue;
    }
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
    else wanted.push({ task, legs });
  }

  const used = new Set<string>();
  const gatewayAddr = new Map<string, string>();
  if (typeof range !== 'string') {
    // A task on --internal networks only keeps its address as a /32: see TaskState.gatewayAddr.
    const cidrFor = (legs: readonly LegState[], a: string): string =>
      `${a}/${internalOnly(legs, networks) ? 32 : range.prefix}`;
    for (const { task, legs } of wanted) {
      const had = applied.tasks.get(shortTaskId(task.id))?.gatewayAddr ?? '';
      if (isTaskGatewayAddr(had, range) && !used.has(ip(had))) {
        used.add(ip(had));
        gatewayAddr.set(task.id, cidrFor(legs, ip(had)));
      }
    }
    let next = range.base + 2;
    for (const { task, legs } of wanted) {
      if (gatewayAddr.has(task.id)) continue;
      while (used.has(formatIpv4(next))) next++;
      if (next >= cidrLast(range)) {
        invalid.set(
          task.id,
          `no address is left for eth1 on the node's gateway bridge (${view.gatewaySubnet})`,
        );
        continue;
      }
      const a = formatIpv4(next);
      used.add(a);
      gatewayAddr.set(task.id, cidrFor(legs, a));
    }
  }
  wanted = wanted.filter(w => gatewayAddr.has(w.task.id));
  for (const { legs } of wanted) {
    for (const leg of legs) {
      const net = networks.get(leg.networkId);
      if (net) overlayNets.set(net.vni, net);
    }
  }

  // The embedded DNS listens on the bridge's address; each task asks it from its own eth1 address (the
  // route the change plan adds, plan-dns-redirect.ts).
  const resolver = typeof range === 'string' ? '' : ip(gatewayBridgeAddr(range));
  const tasks = new Map<string, TaskState>();
  for (const { task, legs } of wanted) {
    const eth1 = gatewayAddr.get(task.id) ?? '';
    tasks.set(shortTaskId(task.id), {
      taskId: task.id,
      legs,
      gatewayAddr: eth1,
      nft: input.rulesets.task(
        view,
        legs.map(l => l.networkId),
        { resolver },
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
      // A manager older than the MTU option sends none.
      mtu: net.mtu > 0 ? net.mtu : OVERLAY_MTU,
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
  const internalAddrs: string[] = [];
  for (const { task } of wanted) {
    const svc = services.get(task.serviceId);
    const cidr = gatewayAddr.get(task.id) ?? '';
    const addr = ip(cidr);
    // No host-mode ports for a task with no route out: its replies could not leave.
    if (prefixLen(cidr) === '32') {
      internalAddrs.push(addr);
      continue;
    }
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
  // Without a range, what the node has stays as it is: its bridge and its ruleset (which names the range).
  const node =
    typeof range === 'string'
      ? { gatewayBridge: applied.node.gatewayBridge, nft: applied.node.nft }
      : {
          gatewayBridge: gatewayBridgeAddr(range),
          nft: input.rulesets.node({
            view,
            gatewayBridge: GATEWAY_BRIDGE,
            gatewaySubnet: view.gatewaySubnet,
            ingressLeg: ingressLeg ? INGRESS_LEG : undefined,
            hostPorts,
            resolver,
            internalAddrs,
          }),
        };

  return {
    model: { node: { ...node, ipForward: true, ingressLeg }, overlays, tasks },
    invalid,
    skipped,
  };
}
