/**
 * The data plane's model of what exists (or should): node-level objects, overlay namespaces with their
 * static remote entries, task namespaces with their legs. The applied model is observed at start and kept
 * in memory after each change; the desired one is derived from the view. A plan is their difference, as
 * batches of commands, each line tagged with whom it is for (so a failure can be pinned on a task).
 */

/** A remote endpoint's static entries on an overlay's vxlan0: neighbour (ip → mac) and FDB (mac → node). */
export interface RemoteEntry {
  /** Without prefix. */
  ip: string;
  mac: string;
  /** The remote node's underlay address. */
  nodeAddr: string;
}

export interface OverlayState {
  vni: number;
  /** '' when observed (the namespace does not say). */
  networkId: string;
  /** br0's address (CIDR); '' when br0 or vxlan0 is missing or wrong, which makes it rebuilt. */
  gateway: string;
  /** Of br0, vxlan0 and every task leg on it (the network's MTU option); a change rebuilds it. */
  mtu: number;
  /** By ip. */
  remotes: Map<string, RemoteEntry>;
}

export interface LegState {
  /** '' when observed. */
  networkId: string;
  /** The overlay its veth is on; -1 when observed without its overlay end. */
  vni: number;
  ifname: string;
  /** CIDR. */
  addr: string;
  mac: string;
}

export interface TaskState {
  /** The full id; only its first 12 characters when observed. */
  taskId: string;
  legs: LegState[];
  /**
   * eth1's address (CIDR in the gateway bridge's range); '' when missing. A /32 marks a task on --internal
   * networks only: eth1 then reaches the bridge's address alone (the node's resolver), with no default route.
   */
  gatewayAddr: string;
  /** The nft text applied in its namespace; undefined when unknown (observed). '' = none. */
  nft: string | undefined;
}

export interface IngressLegState {
  /** CIDR. */
  addr: string;
  /** The overlay whose br0 holds its peer. */
  vni: number;
}

export interface NodeState {
  /**
   * The gateway bridge's address (CIDR, its range's first host, e.g. `172.18.0.1/16`); '' when observed
   * without one; undefined when there is no bridge. Any change rebuilds it, and every task with it.
   */
  gatewayBridge: string | undefined;
  ipForward: boolean;
  ingressLeg: IngressLegState | undefined;
  /** undefined when unknown; '' = none. */
  nft: string | undefined;
}

export interface NetModel {
  node: NodeState;
  /** By VNI. */
  overlays: Map<number, OverlayState>;
  /** By short task id (12 characters). */
  tasks: Map<string, TaskState>;
}

export function emptyModel(): NetModel {
  return {
    node: { gatewayBridge: undefined, ipForward: false, ingressLeg: undefined, nft: '' },
    overlays: new Map(),
    tasks: new Map(),
  };
}

/** Whom a command is for: a failure fails that task, every task on that overlay, or the whole change. */
export type Owner = { kind: 'node' } | { kind: 'overlay'; vni: number } | { kind: 'task'; shortId: string };

export type BatchTool = 'ip' | 'bridge' | 'nft' | 'sysctl';

export interface Batch {
  tool: BatchTool;
  /** Where it runs; undefined = this process's own namespace (root mount namespace for `netns add`). */
  netns: string | undefined;
  lines: string[];
  /** Parallel to `lines`. */
  owners: Owner[];
  /** Deletions: every line is tried (`-force`) and a failure is only logged. */
  bestEffort: boolean;
}
