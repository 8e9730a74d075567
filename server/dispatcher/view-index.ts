/**
 * Every watching node's network view, kept from the store's changes as they come (the incremental form
 * of network-view.ts's networkViewFor, which stays the reference), pure.
 *
 * It indexes the cluster as the views need it: per network its endpoints and the nodes holding them, per
 * node the networks its tasks want, the allocated networks (ingress apart), the services, the nodes'
 * addresses. For each change it finds the sessions whose view the change may touch and the entities it
 * may touch there, reads them before and after, and records what differs in that session's pending
 * ViewChanges: the cost follows the change (sessions touched × entities touched), never the cluster.
 * A network entering or leaving a node's view touches all of that network's endpoints and nodes there;
 * a service, the ingress network or the gateway range touch every session (every view holds them).
 *
 * The commonest change, a task's endpoint changing while every node keeps the same networks and nodes in
 * view (a task starting, running, ending on a node that has others there), costs O(1) whatever the
 * number of viewers: it goes in its network's change log, and each viewer reads the log from where it
 * last read when its stream next sends (`take`). Viewers are told once until they take: a scale-up's
 * tens of thousands of changes do not each walk every viewer.
 *
 * Invariant: for each watching node, the view it was last sent with its pending changes applied is
 * `viewOf(node)`, which equals networkViewFor over the same objects.
 */
import { isDeepStrictEqual } from 'node:util';
import type {
  NetworkView,
  ViewEndpoint,
  ViewNetwork,
  ViewNode,
  ViewService,
  WireNetworkViewDelta,
} from '../../proto/dispatcher-types.ts';
import type { Network, Node, Service, Task } from '../store/index.ts';
import {
  byEndpointKey,
  byId,
  endpointsOf,
  isPlaced,
  viewNetworkOf,
  viewServiceOf,
  type ViewInputs,
} from './network-view.ts';
import { EndpointLog, MIN_LOG_KEPT } from './endpoint-log.ts';
import { publishesThroughMesh } from '../../lib/routing-mesh.ts';
import { MeshNodes } from './mesh-nodes.ts';
import { ViewChanges } from './view-changes.ts';

/** What a placed task adds to views. */
interface Placed {
  readonly nodeId: string;
  /** Every network it is attached to (its node's view wants them), addressed or not. */
  readonly wants: readonly string[];
  readonly endpoints: readonly ViewEndpoint[];
}

/** What views need of a node. */
interface NodeInfo {
  readonly addr: string;
  /** The network its own attachment is on (ingress), if any, and its first address there ('' if none). */
  readonly attachedTo: string | undefined;
  readonly attachAddr: string;
}

/** One entity of a view. */
type Key =
  | { readonly kind: 'network'; readonly id: string }
  | { readonly kind: 'endpoint'; readonly networkId: string; readonly taskId: string }
  | { readonly kind: 'node'; readonly id: string }
  | { readonly kind: 'service'; readonly id: string }
  | { readonly kind: 'gateway' };

/** Entities a change may touch, in the views of some sessions. */
interface Touch {
  readonly sessions: 'all' | Iterable<string>;
  readonly keys: readonly Key[];
}

type Counts = Map<string, Map<string, number>>;

function bump(counts: Counts, a: string, b: string, by: number): void {
  let inner = counts.get(a);
  if (inner === undefined) counts.set(a, (inner = new Map()));
  const n = (inner.get(b) ?? 0) + by;
  if (n > 0) inner.set(b, n);
  else inner.delete(b);
  if (inner.size === 0) counts.delete(a);
}

function placedOf(t: Task): Placed | undefined {
  if (!isPlaced(t)) return undefined;
  return { nodeId: t.nodeId, wants: t.networks.map(a => a.networkId), endpoints: endpointsOf(t) };
}

function nodeInfoOf(n: Node): NodeInfo {
  return {
    addr: n.status.addr,
    attachedTo: n.attachment?.networkId,
    attachAddr: n.attachment?.addresses[0] ?? '',
  };
}

/** How many of `p`'s attachments are on network `k`, if `p` is on node `m`. */
function wantsOn(p: Placed | undefined, m: string, k: string): number {
  if (p === undefined || p.nodeId !== m) return 0;
  let n = 0;
  for (const w of p.wants) if (w === k) n++;
  return n;
}

export class NetworkViewIndex {
  /** Placed tasks only. */
  private readonly tasks = new Map<string, Placed>();
  /** Allocated networks only. */
  private readonly networks = new Map<string, ViewNetwork>();
  /** The allocated ingress networks (one, in practice): in every view. */
  private readonly ingressIds = new Set<string>();
  /** Network → task → its endpoint there (whether or not the network exists or is allocated). */
  private readonly endpoints = new Map<string, Map<string, ViewEndpoint>>();
  /** Network → node → how many endpoints the node holds there. */
  private readonly holders: Counts = new Map();
  /** Node → network → how many endpoints the node holds there (holders, the other way round). */
  private readonly heldBy: Counts = new Map();
  /** Node → network → how many attachments of its placed tasks are on it. */
  private readonly wants: Counts = new Map();
  /** Network → the nodes whose tasks want it. */
  private readonly wanters = new Map<string, Set<string>>();
  private readonly nodes = new Map<string, NodeInfo>();
  /** Network → the nodes whose own attachment is on it. */
  private readonly attached = new Map<string, Set<string>>();
  /**
   * Each node as views hold it, one object per node value: every view shares it, so its bytes are
   * encoded once (assignments-encoder).
   */
  private readonly viewNodes = new WeakMap<NodeInfo, ViewNode>();
  /** The nodes with a leg on network `ingress` (built at the first full view, again when ingress changes). */
  private mesh: { readonly ingress: string | undefined; readonly nodes: MeshNodes } | undefined;
  private readonly services = new Map<string, ViewService>();
  /** How many services publish a port through the routing mesh: views hold the nodes' legs only while some do. */
  private publishing = 0;
  private gateway: string;
  /** The watching nodes and what their streams have yet to send. */
  private readonly watching = new Map<string, ViewChanges>();
  /** Per watching node: the endpoint logs read up to which change, and whether it was told since. */
  private readonly readers = new Map<string, { read: number; told: boolean }>();
  /** Network → the endpoints changed there (in the fast path), in order of change. */
  private readonly logs = new Map<string, EndpointLog>();
  /** The last change number given to a log entry. */
  private changeNo = 0;
  /** Network → the count of endpoint changes when its endpoints last changed (never reset). */
  private readonly endpointVersions = new Map<string, number>();
  private endpointChanges = 0;

  /**
   * Indexes `inputs` (one consistent read); `onChange` hears of each watching node whose view a later
   * change changed (its changes are then pending).
   */
  constructor(
    inputs: ViewInputs,
    private readonly onChange: (nodeId: string) => void = () => undefined,
    /**
     * How many entries a network's endpoint log keeps for viewers behind, given its endpoint count;
     * entries older than that go into those viewers' own pending changes (tests keep few).
     */
    private readonly logKept = (endpoints: number): number => Math.max(MIN_LOG_KEPT, 2 * endpoints),
  ) {
    this.gateway = inputs.gatewaySubnet;
    for (const n of inputs.nodes) this.setNode(n.id, nodeInfoOf(n));
    for (const n of inputs.networks) {
      const v = viewNetworkOf(n);
      if (v !== undefined) this.setNetwork(n.id, v);
    }
    for (const s of inputs.services) this.setService(s.id, viewServiceOf(s));
    for (const t of inputs.tasks) {
      const p = placedOf(t);
      if (p !== undefined) this.place(t.id, p);
    }
  }

  /**
   * Starts following `nodeId`'s view (again): its full view now, and the sequence number it has. The
   * networks `keeps` (those whose endpoints the node holds as they are) come without their endpoints,
   * named in `kept`.
   */
  open(
    nodeId: string,
    keeps: (networkId: string) => boolean = () => false,
  ): { view: NetworkView; seq: number; kept: string[] } {
    const seq = 1;
    this.watching.set(nodeId, new ViewChanges(seq));
    this.readers.set(nodeId, { read: this.changeNo, told: false });
    const kept = this.networksInView(nodeId).filter(keeps).sort();
    return { view: this.viewOf(nodeId, new Set(kept)), seq, kept };
  }

  /** Network `k`'s endpoints now (in no particular order). */
  endpointsOn(k: string): Iterable<ViewEndpoint> {
    return this.endpoints.get(k)?.values() ?? [];
  }

  /** A number that changes whenever network `k`'s endpoints do (never the same for two sets of them). */
  endpointsVersion(k: string): number {
    return this.endpointVersions.get(k) ?? 0;
  }

  close(nodeId: string): void {
    this.watching.delete(nodeId);
    this.readers.delete(nodeId);
  }

  /** How many changes of `nodeId`'s view are pending since its last delta (an endpoint may count twice). */
  pending(nodeId: string): number {
    const reader = this.readers.get(nodeId);
    let n = this.watching.get(nodeId)?.size ?? 0;
    if (reader === undefined) return n;
    for (const k of this.networksInView(nodeId)) n += this.logs.get(k)?.countAfter(reader.read) ?? 0;
    return n;
  }

  /** The changes of `nodeId`'s view since the last delta (or the full view), if any. */
  take(nodeId: string): WireNetworkViewDelta | undefined {
    const pending = this.watching.get(nodeId);
    const reader = this.readers.get(nodeId);
    if (pending === undefined || reader === undefined) return undefined;
    this.readLogs(nodeId, pending, reader.read);
    reader.read = this.changeNo;
    reader.told = false;
    return pending.take(this.gateway);
  }

  /** Puts the endpoints logged after change `after` on the networks `nodeId` views, as they are now, in `pending`. */
  private readLogs(nodeId: string, pending: ViewChanges, after: number): void {
    for (const k of this.networksInView(nodeId)) this.fold(pending, k, after);
  }

  /** Puts what `nodeId` has not read of network `k`'s log in its pending changes, if `k` is in its view. */
  private foldLog(nodeId: string, k: string): void {
    const pending = this.watching.get(nodeId);
    const reader = this.readers.get(nodeId);
    if (pending === undefined || reader === undefined || !this.inView(nodeId, k)) return;
    this.fold(pending, k, reader.read);
  }

  /** Puts network `k`'s endpoints logged in (after, upTo], as they are now, in `pending`. */
  private fold(pending: ViewChanges, k: string, after: number, upTo?: number): void {
    const onNet = this.endpoints.get(k);
    this.logs.get(k)?.forEachAfter(after, taskId => pending.endpoint(k, taskId, onNet?.get(taskId)), upTo);
  }

  /** The watching (or once watching) nodes that may view network `k`: all for ingress, else its wanters. */
  private viewersOf(k: string): Iterable<string> {
    return this.ingressIds.has(k) ? this.readers.keys() : (this.wanters.get(k) ?? []);
  }

  /** The networks in `nodeId`'s view: the ingress network(s), and the allocated ones its tasks want. */
  private networksInView(nodeId: string): string[] {
    const nets = [...this.ingressIds];
    for (const k of this.wants.get(nodeId)?.keys() ?? []) {
      if (this.networks.has(k) && !this.ingressIds.has(k)) nets.push(k);
    }
    return nets;
  }

  /**
   * `nodeId`'s whole view now, as networkViewFor makes it, without the endpoints of the networks in
   * `without`. Costs the view's size.
   */
  viewOf(nodeId: string, without: ReadonlySet<string> = new Set()): NetworkView {
    const nets = new Set(this.ingressIds);
    for (const k of this.wants.get(nodeId)?.keys() ?? []) if (this.networks.has(k)) nets.add(k);
    const networks: ViewNetwork[] = [];
    const endpoints: ViewEndpoint[] = [];
    const mesh = this.meshNodes();
    // The nodes in the view besides those with a routing-mesh leg (in every view).
    const others = new Set<string>([nodeId]);
    for (const k of nets) {
      networks.push(this.networks.get(k) as ViewNetwork);
      if (!without.has(k)) for (const e of this.endpoints.get(k)?.values() ?? []) endpoints.push(e);
      for (const m of this.holders.get(k)?.keys() ?? []) others.add(m);
    }
    const nodes = [...mesh.nodes];
    const before = nodes.length;
    for (const m of others) {
      if (mesh.has(m)) continue;
      const v = this.nodeIn(nodeId, m);
      if (v !== undefined) nodes.push(v);
    }
    if (nodes.length > before) nodes.sort(byId);
    return {
      networks: networks.sort(byId),
      nodes,
      services: [...this.services.values()].sort(byId),
      endpoints: endpoints.sort(byEndpointKey),
      gatewaySubnet: this.gateway,
    };
  }

  /** The nodes with a routing-mesh leg on the ingress network now. */
  private meshNodes(): MeshNodes {
    const ingress = this.meshIngress();
    if (this.mesh?.ingress !== ingress || this.mesh === undefined) {
      const nodes = new MeshNodes();
      for (const m of this.attached.get(ingress ?? '') ?? []) nodes.put(m, this.meshNode(m, ingress));
      this.mesh = { ingress, nodes };
    }
    return this.mesh.nodes;
  }

  /** Node `m` as every view holds it, if it has a leg on network `ingress`. */
  private meshNode(m: string, ingress: string | undefined): ViewNode | undefined {
    const info = this.nodes.get(m);
    return info !== undefined && ingressAddr(info, ingress) !== ''
      ? this.viewNode(m, info, ingress)
      : undefined;
  }

  /** Node `m` as views hold it, the same object while its value and the ingress network stay. */
  private viewNode(m: string, info: NodeInfo, ingress: string | undefined): ViewNode {
    const leg = ingressAddr(info, ingress);
    let v = this.viewNodes.get(info);
    if (v === undefined || v.ingressAddr !== leg) {
      v = { id: m, addr: info.addr, ingressAddr: leg };
      this.viewNodes.set(info, v);
    }
    return v;
  }

  /** A task was created, changed or removed. */
  task(t: Task, removed: boolean): void {
    const was = this.tasks.get(t.id);
    const now = removed ? undefined : placedOf(t);
    if (was === undefined && now === undefined) return;
    if (was !== undefined && now !== undefined && isDeepStrictEqual(was, now)) return;
    if (this.onlyEndpointsChange(was, now)) {
      this.logEndpoints(t.id, was, now);
      return;
    }
    const nets = new Set([...(was?.wants ?? []), ...(now?.wants ?? [])]);
    const owners = new Set<string>();
    if (was !== undefined) owners.add(was.nodeId);
    if (now !== undefined) owners.add(now.nodeId);
    const common: Key[] = [];
    for (const k of nets) common.push({ kind: 'endpoint', networkId: k, taskId: t.id });
    for (const m of owners) common.push({ kind: 'node', id: m });
    // Whoever views one of its networks: its endpoints there, and its node(s).
    const touches: Touch[] = [{ sessions: this.viewers(nets), keys: common }];
    // Its node(s): a network may enter or leave their view, with all it holds.
    for (const m of owners) {
      if (!this.watching.has(m)) continue;
      const keys = [...common];
      for (const k of nets) {
        const before = this.wants.get(m)?.get(k) ?? 0;
        const after = before - wantsOn(was, m, k) + wantsOn(now, m, k);
        if (before > 0 !== after > 0) this.wholeNetwork(k, keys);
      }
      if (keys.length > common.length) touches.push({ sessions: [m], keys });
    }
    this.change(touches, () => {
      if (was !== undefined) this.unplace(t.id, was);
      if (now !== undefined) this.place(t.id, now);
    });
  }

  /**
   * Whether the change from `was` to `now` changes endpoints only: its node(s) keep wanting the same
   * networks and holding endpoints on the same ones, so no network or node enters or leaves a view.
   */
  private onlyEndpointsChange(was: Placed | undefined, now: Placed | undefined): boolean {
    for (const m of new Set([was?.nodeId, now?.nodeId])) {
      if (m === undefined) continue;
      const wants = this.wants.get(m);
      for (const k of new Set([...(was?.wants ?? []), ...(now?.wants ?? [])])) {
        const before = wants?.get(k) ?? 0;
        if (before > 0 !== before - wantsOn(was, m, k) + wantsOn(now, m, k) > 0) return false;
      }
      const held = this.heldBy.get(m);
      for (const k of new Set([...endpointNets(was), ...endpointNets(now)])) {
        const before = held?.get(k) ?? 0;
        if (before > 0 !== before - heldOn(was, m, k) + heldOn(now, m, k) > 0) return false;
      }
    }
    return true;
  }

  /** The fast path: re-indexes the task and logs each of its endpoints that changed; tells their viewers. */
  private logEndpoints(taskId: string, was: Placed | undefined, now: Placed | undefined): void {
    const before = new Map<string, ViewEndpoint | undefined>();
    for (const k of [...endpointNets(was), ...endpointNets(now)])
      before.set(k, this.endpoints.get(k)?.get(taskId));
    if (was !== undefined) this.unplace(taskId, was);
    if (now !== undefined) this.place(taskId, now);
    for (const [k, b] of before) {
      const a = this.endpoints.get(k)?.get(taskId);
      if (b === a || (b !== undefined && a !== undefined && isDeepStrictEqual(b, a))) continue;
      if (!this.networks.has(k)) continue; // in no view
      let log = this.logs.get(k);
      if (log === undefined) this.logs.set(k, (log = new EndpointLog(this.logKept(0))));
      log.add(++this.changeNo, taskId);
      this.tellViewers(k);
      if (log.length > log.trimAt) this.trim(k, log);
    }
  }

  /** Tells each watching viewer of network `k` not yet told since its last take. */
  private tellViewers(k: string): void {
    for (const m of this.viewersOf(k)) {
      const reader = this.readers.get(m);
      if (reader === undefined || reader.told) continue;
      reader.told = true;
      this.onChange(m);
    }
  }

  /**
   * Drops what every viewer of `k` has read. A viewer far behind (its stream stalled) does not hold the
   * log: what it has not read of the part dropped goes into its own pending changes first.
   */
  private trim(k: string, log: EndpointLog): void {
    const viewers = [...this.viewersOf(k)];
    let upTo = log.lastChange;
    for (const m of viewers) upTo = Math.min(upTo, this.readers.get(m)?.read ?? upTo);
    const keep = this.logKept(this.endpoints.get(k)?.size ?? 0);
    const floor = log.changeAt(log.length - keep);
    if (floor !== undefined && floor > upTo) {
      for (const m of viewers) {
        const reader = this.readers.get(m);
        const pending = this.watching.get(m);
        if (reader === undefined || pending === undefined || reader.read >= floor) continue;
        this.fold(pending, k, reader.read, floor);
      }
      upTo = floor;
    }
    log.dropUpTo(upTo);
  }

  /** A network was created, changed (allocated) or removed. */
  network(n: Network, removed: boolean): void {
    const was = this.networks.get(n.id);
    const now = removed ? undefined : viewNetworkOf(n);
    if (isDeepStrictEqual(was, now)) return;
    const wasIngress = was?.ingress === true;
    const nowIngress = now?.ingress === true;
    const keys: Key[] = [];
    // Entering or leaving views (allocated, or ingress, or neither any more): all it holds goes with it.
    if ((was === undefined) !== (now === undefined) || wasIngress !== nowIngress) {
      this.wholeNetwork(n.id, keys);
    } else {
      keys.push({ kind: 'network', id: n.id });
    }
    const touches: Touch[] = [
      { sessions: wasIngress || nowIngress ? 'all' : (this.wanters.get(n.id) ?? []), keys },
    ];
    const ingressBefore = this.meshIngress();
    const after = new Set(this.ingressIds);
    if (nowIngress) after.add(n.id);
    else after.delete(n.id);
    const ingressAfter = this.publishing > 0 ? minOf(after) : undefined;
    // Every node's routing-mesh leg is on the ingress network: another one, other legs.
    if (ingressBefore !== ingressAfter) touches.push(this.legsOn([ingressBefore, ingressAfter]));
    this.change(touches, () => {
      this.networks.delete(n.id);
      this.ingressIds.delete(n.id);
      if (now !== undefined) this.setNetwork(n.id, now);
      // Out of every view: what its log holds concerns nobody (a view it enters again gets it whole).
      else this.logs.delete(n.id);
    });
  }

  /** A node was created, changed or removed. */
  node(n: Node, removed: boolean): void {
    const was = this.nodes.get(n.id);
    const now = removed ? undefined : nodeInfoOf(n);
    if (isDeepStrictEqual(was, now)) return;
    const ingress = this.meshIngress();
    const leg = (i: NodeInfo | undefined): boolean => i !== undefined && ingressAddr(i, ingress) !== '';
    const mutate = (): void => {
      const legs = this.attached.get(was?.attachedTo ?? '');
      legs?.delete(n.id);
      if (legs?.size === 0) this.attached.delete(was?.attachedTo ?? '');
      this.nodes.delete(n.id);
      if (now !== undefined) this.setNode(n.id, now);
      // Kept for the ingress network it was built for (that network may come back).
      if (this.mesh !== undefined) this.mesh.nodes.put(n.id, this.meshNode(n.id, this.mesh.ingress));
    };
    if (leg(was) && leg(now)) {
      // With a routing-mesh leg before and after, the node is in every view, the same in each: its
      // value is read once, not once per viewer (a join storm changes thousands of nodes, each in
      // thousands of views).
      const before = this.nodeIn(n.id, n.id);
      mutate();
      const after = this.nodeIn(n.id, n.id);
      if (isDeepStrictEqual(before, after)) return;
      for (const [nodeId, pending] of this.watching) {
        pending.node(n.id, after);
        this.onChange(nodeId);
      }
      return;
    }
    let sessions: 'all' | Set<string> = 'all';
    if (!leg(was) && !leg(now)) {
      // In its own view, and in those of the nodes viewing a network it holds endpoints on.
      const nets = new Set(this.heldBy.get(n.id)?.keys() ?? []);
      const viewers = this.viewers(nets);
      sessions = viewers === 'all' ? 'all' : viewers.add(n.id);
    }
    this.change([{ sessions, keys: [{ kind: 'node', id: n.id }] }], mutate);
  }

  /**
   * A service was created, changed or removed: every view holds every service. The first service to
   * publish through the routing mesh brings every node's leg into every view, the last one takes them out.
   */
  service(s: Service, removed: boolean): void {
    const was = this.services.get(s.id);
    const now = removed ? undefined : viewServiceOf(s);
    if (isDeepStrictEqual(was, now)) return;
    const touches: Touch[] = [{ sessions: 'all', keys: [{ kind: 'service', id: s.id }] }];
    const publishingAfter =
      this.publishing -
      (was !== undefined && publishesThroughMesh(was) ? 1 : 0) +
      (now !== undefined && publishesThroughMesh(now) ? 1 : 0);
    if (this.publishing > 0 !== publishingAfter > 0) touches.push(this.legsOn([this.ingressId()]));
    this.change(touches, () => {
      this.deleteService(s.id);
      if (now !== undefined) this.setService(s.id, now);
    });
  }

  /** Every node with its own attachment on one of `ingress` networks, in every view: their legs change. */
  private legsOn(ingress: readonly (string | undefined)[]): Touch {
    const keys: Key[] = [];
    for (const k of new Set(ingress)) {
      for (const m of this.attached.get(k ?? '') ?? []) keys.push({ kind: 'node', id: m });
    }
    return { sessions: 'all', keys };
  }

  /** The cluster's gateway range is now `subnet`. */
  gatewaySubnet(subnet: string): void {
    if (subnet === this.gateway) return;
    this.change([{ sessions: 'all', keys: [{ kind: 'gateway' }] }], () => {
      this.gateway = subnet;
    });
  }

  /**
   * Reads `touches`' entities in their sessions' views, runs `mutate`, reads them again, and records in
   * each session's pending changes those that differ.
   */
  private change(touches: readonly Touch[], mutate: () => void): void {
    const reads: { nodeId: string; keys: readonly Key[]; before: unknown[] }[] = [];
    for (const { sessions, keys } of touches) {
      if (keys.length === 0) continue;
      for (const nodeId of sessions === 'all' ? this.watching.keys() : sessions) {
        if (!this.watching.has(nodeId)) continue;
        // A network about to leave the view takes its unread log along: fold it in while it is in view.
        for (const k of keys) if (k.kind === 'network') this.foldLog(nodeId, k.id);
        reads.push({ nodeId, keys, before: keys.map(k => this.valueOf(nodeId, k)) });
      }
    }
    mutate();
    const changed = new Set<string>();
    for (const { nodeId, keys, before } of reads) {
      const pending = this.watching.get(nodeId) as ViewChanges;
      keys.forEach((k, i) => {
        const was = before[i];
        const now = this.valueOf(nodeId, k);
        if (was === now || (was !== undefined && now !== undefined && isDeepStrictEqual(was, now))) return;
        record(pending, k, now);
        changed.add(nodeId);
      });
    }
    for (const nodeId of changed) this.onChange(nodeId);
  }

  /** Entity `k` as `nodeId`'s view holds it; undefined if it does not. */
  private valueOf(nodeId: string, k: Key): unknown {
    switch (k.kind) {
      case 'network':
        return this.inView(nodeId, k.id) ? this.networks.get(k.id) : undefined;
      case 'endpoint':
        return this.inView(nodeId, k.networkId) ? this.endpoints.get(k.networkId)?.get(k.taskId) : undefined;
      case 'node':
        return this.nodeIn(nodeId, k.id);
      case 'service':
        return this.services.get(k.id);
      case 'gateway':
        return this.gateway;
    }
  }

  private inView(nodeId: string, networkId: string): boolean {
    return (
      this.networks.has(networkId) &&
      (this.ingressIds.has(networkId) || this.wants.get(nodeId)?.has(networkId) === true)
    );
  }

  /** Node `m` as `nodeId`'s view holds it: itself, a node with a routing-mesh leg, or one holding endpoints there. */
  private nodeIn(nodeId: string, m: string): ViewNode | undefined {
    const info = this.nodes.get(m);
    if (info === undefined) return undefined;
    const ingress = this.meshIngress();
    let member = m === nodeId || ingressAddr(info, ingress) !== '';
    if (!member) {
      for (const k of this.heldBy.get(m)?.keys() ?? []) {
        if (this.inView(nodeId, k)) {
          member = true;
          break;
        }
      }
    }
    return member ? this.viewNode(m, info, ingress) : undefined;
  }

  /** The sessions that may view one of `nets`. */
  private viewers(nets: Iterable<string>): 'all' | Set<string> {
    const out = new Set<string>();
    for (const k of nets) {
      if (!this.networks.has(k)) continue;
      if (this.ingressIds.has(k)) return 'all';
      for (const m of this.wanters.get(k) ?? []) if (this.watching.has(m)) out.add(m);
    }
    return out;
  }

  /** Adds network `k`, its endpoints and the nodes holding them to `keys`. */
  private wholeNetwork(k: string, keys: Key[]): void {
    keys.push({ kind: 'network', id: k });
    for (const taskId of this.endpoints.get(k)?.keys() ?? []) {
      keys.push({ kind: 'endpoint', networkId: k, taskId });
    }
    for (const m of this.holders.get(k)?.keys() ?? []) keys.push({ kind: 'node', id: m });
  }

  private ingressId(): string | undefined {
    return minOf(this.ingressIds);
  }

  /** The ingress network while a service publishes through the routing mesh (views hold legs on it then). */
  private meshIngress(): string | undefined {
    return this.publishing > 0 ? this.ingressId() : undefined;
  }

  private setService(id: string, v: ViewService): void {
    this.services.set(id, v);
    if (publishesThroughMesh(v)) this.publishing++;
  }

  private deleteService(id: string): void {
    const v = this.services.get(id);
    if (v !== undefined && publishesThroughMesh(v)) this.publishing--;
    this.services.delete(id);
  }

  private setNetwork(id: string, v: ViewNetwork): void {
    this.networks.set(id, v);
    if (v.ingress) this.ingressIds.add(id);
  }

  private setNode(id: string, info: NodeInfo): void {
    this.nodes.set(id, info);
    if (info.attachedTo === undefined) return;
    let set = this.attached.get(info.attachedTo);
    if (set === undefined) this.attached.set(info.attachedTo, (set = new Set()));
    set.add(id);
  }

  private place(taskId: string, p: Placed): void {
    this.tasks.set(taskId, p);
    this.count(taskId, p, 1);
  }

  private unplace(taskId: string, p: Placed): void {
    this.tasks.delete(taskId);
    this.count(taskId, p, -1);
  }

  private count(taskId: string, p: Placed, by: 1 | -1): void {
    for (const k of p.wants) {
      bump(this.wants, p.nodeId, k, by);
      let set = this.wanters.get(k);
      if (this.wants.get(p.nodeId)?.has(k) === true) {
        if (set === undefined) this.wanters.set(k, (set = new Set()));
        set.add(p.nodeId);
      } else if (set !== undefined) {
        set.delete(p.nodeId);
        if (set.size === 0) this.wanters.delete(k);
      }
    }
    for (const e of p.endpoints) {
      this.endpointVersions.set(e.networkId, ++this.endpointChanges);
      let onNet = this.endpoints.get(e.networkId);
      if (by > 0) {
        if (onNet === undefined) this.endpoints.set(e.networkId, (onNet = new Map()));
        onNet.set(taskId, e);
      } else if (onNet !== undefined) {
        onNet.delete(taskId);
        if (onNet.size === 0) this.endpoints.delete(e.networkId);
      }
      bump(this.holders, e.networkId, p.nodeId, by);
      bump(this.heldBy, p.nodeId, e.networkId, by);
    }
  }
}

/** The networks `p` has endpoints on. */
function endpointNets(p: Placed | undefined): string[] {
  return p === undefined ? [] : p.endpoints.map(e => e.networkId);
}

/** How many of `p`'s endpoints are on network `k`, if `p` is on node `m`. */
function heldOn(p: Placed | undefined, m: string, k: string): number {
  if (p === undefined || p.nodeId !== m) return 0;
  let n = 0;
  for (const e of p.endpoints) if (e.networkId === k) n++;
  return n;
}

function ingressAddr(info: NodeInfo, ingressId: string | undefined): string {
  return ingressId !== undefined && info.attachedTo === ingressId ? info.attachAddr : '';
}

function minOf(ids: Iterable<string>): string | undefined {
  let min: string | undefined;
  for (const id of ids) if (min === undefined || id < min) min = id;
  return min;
}

function record(pending: ViewChanges, k: Key, v: unknown): void {
  switch (k.kind) {
    case 'network':
      pending.network(k.id, v as ViewNetwork | undefined);
      break;
    case 'endpoint':
      pending.endpoint(k.networkId, k.taskId, v as ViewEndpoint | undefined);
      break;
    case 'node':
      pending.node(k.id, v as ViewNode | undefined);
      break;
    case 'service':
      pending.service(k.id, v as ViewService | undefined);
      break;
    case 'gateway':
      pending.gatewaySubnet();
      break;
  }
}
