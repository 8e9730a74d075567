/**
 * What one node's data plane and embedded DNS must know of the cluster, pure: the networks its tasks are
 * on (and the ingress network, which every node serves for the routing mesh), every task address on
 * them with the node that holds it, every service (its name and VIPs), and those nodes' addresses; while a
 * service publishes through the routing mesh, every node with its leg on the ingress network. Swarm spreads
 * this with gossip (NetworkDB); here the leader's dispatcher sends it with the assignments, so a task's
 * peers, load-balancing backends and DNS records change in the same message that starts or stops it.
 */
import { publishesThroughMesh } from '../../lib/routing-mesh.ts';
import { overlayMtu } from '../allocator/network-options.ts';
import { wirePort } from '../wire/wire-port.ts';
import type {
  NetworkView,
  ViewEndpoint,
  ViewNetwork,
  ViewNode,
  ViewService,
} from '../../proto/dispatcher-types.ts';
import { compareTaskStates, type Network, type Node, type Service, type Task } from '../store/index.ts';

export interface ViewInputs {
  nodes: readonly Node[];
  networks: readonly Network[];
  services: readonly Service[];
  tasks: readonly Task[];
  /** The cluster's gateway bridge range (`swarm init --gateway-subnet`). */
  gatewaySubnet: string;
}

/** A task that has (or is about to have) its interfaces on a node: placed, not yet ended. */
export function isPlaced(t: Task): boolean {
  return (
    t.nodeId !== '' &&
    compareTaskStates(t.status.state, 'assigned') >= 0 &&
    compareTaskStates(t.status.state, 'running') <= 0
  );
}

export const byId = <T extends { id: string }>(a: T, b: T): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Endpoints by network, then task. */
export const byEndpointKey = (a: ViewEndpoint, b: ViewEndpoint): number =>
  a.networkId !== b.networkId
    ? a.networkId < b.networkId
      ? -1
      : 1
    : a.taskId < b.taskId
      ? -1
      : a.taskId > b.taskId
        ? 1
        : 0;

/** An allocated network as views carry it; undefined until allocated (no view holds it then). */
export function viewNetworkOf(n: Network): ViewNetwork | undefined {
  if (n.allocation === undefined) return undefined;
  return {
    id: n.id,
    name: n.spec.name,
    vni: n.allocation.vni,
    subnet: n.allocation.subnet,
    gateway: n.allocation.gateway,
    attachable: n.spec.attachable,
    ingress: n.spec.ingress,
    internal: n.spec.internal,
    mtu: overlayMtu(n.spec.driverOptions),
  };
}

/** A service as every view carries it: all its VIPs, its ports with the published ones filled in. */
export function viewServiceOf(s: Service): ViewService {
  return {
    id: s.id,
    name: s.spec.name,
    endpointMode: s.spec.endpoint.mode,
    virtualIps: (s.endpoint?.virtualIPs ?? []).map(v => ({ networkId: v.networkId, addr: v.addr })),
    ports: (s.endpoint?.ports ?? s.spec.endpoint.ports).map(wirePort),
  };
}

/** A placed task's endpoints: one per network it has an address on (whether or not a view holds the network). */
export function endpointsOf(t: Task): ViewEndpoint[] {
  const running = t.status.state === 'running' && t.desiredState === 'running';
  const out: ViewEndpoint[] = [];
  for (const a of t.networks) {
    const addr = a.addresses[0];
    if (addr === undefined) continue;
    out.push({
      taskId: t.id,
      serviceId: t.serviceId,
      slot: t.slot,
      name: t.standalone?.name ?? '',
      nodeId: t.nodeId,
      networkId: a.networkId,
      addr,
      running,
    });
  }
  return out;
}

/** A node's leg on the ingress network `ingressId` (its first address); '' if none. */
export function ingressAddrOf(n: Node, ingressId: string | undefined): string {
  if (ingressId === undefined || n.attachment?.networkId !== ingressId) return '';
  return n.attachment.addresses[0] ?? '';
}

/** The view for node `nodeId`, sorted so that equal views are deeply equal. */
export function networkViewFor(nodeId: string, inputs: ViewInputs): NetworkView {
  const placed = inputs.tasks.filter(isPlaced);
  const own = placed.filter(t => t.nodeId === nodeId);
  const wanted = new Set(own.flatMap(t => t.networks.map(n => n.networkId)));
  const networks: ViewNetwork[] = [];
  for (const n of inputs.networks) {
    const v = viewNetworkOf(n);
    if (v === undefined || !(wanted.has(n.id) || n.spec.ingress)) continue;
    networks.push(v);
  }
  networks.sort(byId);
  const inView = new Set(networks.map(n => n.id));
  const ingress = networks.find(n => n.ingress);

  const endpoints = placed.flatMap(endpointsOf).filter(e => inView.has(e.networkId));
  endpoints.sort(byEndpointKey);

  // Every service, with all its VIPs: the DNS must know a name that exists on networks the asking task
  // is not on (NXDOMAIN, never forwarded upstream). Only the view's networks get interfaces and rules.
  const services: ViewService[] = inputs.services.map(viewServiceOf);
  services.sort(byId);

  // The nodes' routing-mesh legs matter only while a service publishes through it (agents build the
  // ingress overlay then): without one, a node's view holds no node for its leg alone.
  const mesh = services.some(publishesThroughMesh) ? ingress?.id : undefined;
  const nodeIds = new Set([nodeId, ...endpoints.map(e => e.nodeId)]);
  const nodes: ViewNode[] = [];
  for (const n of inputs.nodes) {
    const ingressAddr = ingressAddrOf(n, mesh);
    if (!nodeIds.has(n.id) && ingressAddr === '') continue;
    nodes.push({ id: n.id, addr: n.status.addr, ingressAddr });
  }
  nodes.sort(byId);
  return { networks, nodes, services, endpoints, gatewaySubnet: inputs.gatewaySubnet };
}
