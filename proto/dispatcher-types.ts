/**
 * Shapes of Dispatcher messages (proto/dispatcher.proto) as proto-loader delivers them (longs as numbers),
 * shared by the manager's dispatcher and the agent's session. Tasks and nodes travel in the Control API's
 * shapes (one wire shape per object).
 */
import type { WireNode, WirePortConfig, WireTask, WireTaskStatus, WireVirtualIp } from './control-types.ts';

/** Metadata key of a follower's refusal of a session: the leader's manager address (host:port). */
export const LEADER_ADDR_METADATA = 'shoal-leader-addr';

export interface WireSessionRequest {
  hostname: string;
}

export interface WireSessionMessage {
  sessionId: string;
  node: WireNode | null;
  managers: string[];
  heartbeatPeriodMs: number;
}

export interface WireHeartbeatRequest {
  sessionId: string;
}

export interface WireHeartbeatResponse {
  periodMs: number;
}

export interface WireAssignmentsRequest {
  sessionId: string;
}

export type AssignmentAction = 'update' | 'remove';

export interface WireAssignmentChange {
  action: AssignmentAction;
  task: WireTask | null;
}

export type AssignmentsType = 'complete' | 'incremental';

export interface WireAssignmentsMessage {
  type: AssignmentsType;
  /** 0 for a complete set; otherwise the previous message's `resultsIn`. */
  appliesTo: number;
  resultsIn: number;
  changes: WireAssignmentChange[];
  /** Whole, in the first part of a complete message only; null otherwise. */
  networkView: NetworkView | null;
  /** More messages follow that belong with this one: act once the one without `more` arrives. */
  more: boolean;
  /** In an incremental message: the view's changes since the stream's last view; null when none. */
  viewDelta: WireNetworkViewDelta | null;
  /** With `networkView`: its sequence number, which the first delta applies to; 0 otherwise. */
  viewSeq: number;
}

/** What names one endpoint of a view. */
export interface ViewEndpointKey {
  networkId: string;
  taskId: string;
}

/**
 * The changes that make a node's view `appliesTo` its view `resultsIn`: entities upserted whole by key
 * (endpoints by network and task), or removed by key. A network leaving the view has its endpoints
 * removed one by one. `gatewaySubnet` is always the current one.
 */
export interface WireNetworkViewDelta {
  appliesTo: number;
  resultsIn: number;
  networks: ViewNetwork[];
  removedNetworks: string[];
  nodes: ViewNode[];
  removedNodes: string[];
  services: ViewService[];
  removedServices: string[];
  endpoints: ViewEndpoint[];
  removedEndpoints: ViewEndpointKey[];
  gatewaySubnet: string;
}

/** A network the node takes part in. */
export interface ViewNetwork {
  id: string;
  name: string;
  vni: number;
  /** CIDR, e.g. `10.0.1.0/24`. */
  subnet: string;
  /** Without prefix, e.g. `10.0.1.1`. */
  gateway: string;
  attachable: boolean;
  ingress: boolean;
  /** `network create --internal`: no route out for its tasks, no DNS forwarding for them. */
  internal: boolean;
  /** The MTU of its bridge, VXLAN device and task interfaces (the mtu driver option, else 1450). */
  mtu: number;
}

/** A node holding endpoints of the view's networks. */
export interface ViewNode {
  id: string;
  /** Underlay address: where VXLAN traffic to its endpoints goes. */
  addr: string;
  /** Its routing-mesh leg on the ingress network (CIDR); '' until allocated. */
  ingressAddr: string;
}

/** A service with a VIP or tasks on the view's networks, or publishing ports through the routing mesh. */
export interface ViewService {
  id: string;
  name: string;
  endpointMode: 'vip' | 'dnsrr';
  virtualIps: WireVirtualIp[];
  /** With published ports filled in; empty protocol/mode strings are tcp/ingress. */
  ports: WirePortConfig[];
}

/** One task's address on one network of the view. */
export interface ViewEndpoint {
  taskId: string;
  /** '' for a standalone attachment. */
  serviceId: string;
  slot: number;
  /** A standalone attachment's name; '' for a service's task. */
  name: string;
  nodeId: string;
  networkId: string;
  /** CIDR, e.g. `10.0.1.3/24`. */
  addr: string;
  /** Running and desired running: a load-balancing backend and a DNS answer. */
  running: boolean;
}

/**
 * What a node's data plane and embedded DNS need to know of the cluster: the networks its tasks are on
 * (and ingress), every endpoint on them, the services behind them, and the nodes that hold them. Sorted
 * by id (endpoints by network, then task), so two equal views are deeply equal.
 */
export interface NetworkView {
  networks: ViewNetwork[];
  nodes: ViewNode[];
  services: ViewService[];
  endpoints: ViewEndpoint[];
  /**
   * The node gateway bridge's range (CIDR, e.g. `172.18.0.0/16`): the bridge takes its first host address,
   * tasks' eth1 the next ones. '' before the managers sent a view.
   */
  gatewaySubnet: string;
}

export interface WireTaskStatusUpdate {
  taskId: string;
  status: WireTaskStatus | null;
}

export interface WireUpdateTaskStatusRequest {
  sessionId: string;
  updates: WireTaskStatusUpdate[];
}
