/**
 * What one node's data plane and embedded DNS must know of the cluster, pure: the networks its tasks are
 * on (and the ingress network, which every node serves for the routing mesh), every task address on
 * them with the node that holds it, every service (its name and VIPs), and those nodes' addresses. Swarm spreads
 * this with gossip (NetworkDB); here the leader's dispatcher sends it with the assignments, so a task's
 * peers, load-balancing backends and DNS records change in the same message that starts or stops it.
 */
import { overlayMtu } from '../allocator/network-options.ts';
import { wirePort } from '../controlapi/wire-port.ts';
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
function isPlaced(t: Task): boolean {
  return (
    t.nodeId !== '' &&
    compareTaskStates(t.status.state, 'assigned') >= 0 &&
    compareTaskStates(t.status.state, 'running') <= 0
  );
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The view for node `nodeId`, sorted so that equal views are deeply equal. */
export function networkViewFor(nodeId: string, inputs: ViewInputs): NetworkView {
  const placed = inputs.tasks.filter(isPlaced);
  const own = placed.filter(t => t.nodeId === nodeId);
  const wanted = new Set(own.flatMap(t => t.networks.map(n => n.networkId)));
  const networks: ViewNetwork[] = [];
  for (const n of inputs.networks) {
    if (n.allocation === undefined || !(wanted.has(n.id) || n.spec.ingress)) continue;
    networks.push({
      id: n.id,
      name: n.spec.name,
      vni: n.allocation.vni,
      subnet: n.allocation.subnet,
      gateway: n.allocation.gateway,
      attachable: n.spec.attachable,
      ingress: n.spec.ingress,
      internal: n.spec.internal,
      mtu: overlayMtu(n.spec.driverOptions),
    });
  }
  networks.sort(byId);
  const inView = new Set(networks.map(n => n.id));
  const ingress = networks.find(n => n.ingress);

  const endpoints: ViewEndpoint[] = [];
  for (const t of placed) {
    const running = t.status.state === 'running' && t.desiredState === 'running';
    for (const a of t.networks) {
      const addr = a.addresses[0];
      if (!inView.has(a.networkId) || addr === undefined) continue;
      endpoints.push({
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
  }
  endpoints.sort((a, b) =>
    a.networkId !== b.networkId ? (a.networkId < b.networkId ? -1 : 1) : a.taskId < b.taskId ? -1 : 1,
  );

  // Every service, with all its VIPs: the DNS must know a name that exists on networks the asking task
  // is not on (NXDOMAIN, never forwarded upstream). Only the view's networks get interfaces and rules.
  const services: ViewService[] = inputs.services.map(s => ({
    id: s.id,
    name: s.spec.name,
    endpointMode: s.spec.endpoint.mode,
    virtualIps: (s.endpoint?.virtualIPs ?? []).map(v => ({ networkId: v.networkId, addr: v.addr })),
    ports: (s.endpoint?.ports ?? s.spec.endpoint.ports).map(wirePort),
  }));
  services.sort(byId);

  const nodeIds = new Set([nodeId, ...endpoints.map(e => e.nodeId)]);
  const nodes: ViewNode[] = [];
  for (const n of inputs.nodes) {
    const ingressAddr =
      ingress === undefined
        ? ''
        : ((n.attachment?.networkId === ingress.id ? n.attachment.addresses[0] : '') ?? '');
    if (!nodeIds.has(n.id) && ingressAddr === '') continue;
    nodes.push({ id: n.id, addr: n.status.addr, ingressAddr });
  }
  nodes.sort(byId);
  return { networks, nodes, services, endpoints, gatewaySubnet: inputs.gatewaySubnet };
}
