/**
 * What the task pipeline's next pass has to look at, gathered from the store's change events, so that a
 * pass costs what changed and not the size of the cluster: the services to reconcile, the tasks that may
 * want addresses or a node, the addresses that may go back. A new term, a network change or a lost watch
 * asks for everything once (the pass then reads the whole store, as swarmkit's loops do when they start).
 *
 * Work a pass takes and does not finish (it failed, or wrote part of it in a bounded batch) is given back;
 * what could not be done for want of something (no free address, no suitable node) waits for the change
 * that may bring it (an address released, a node changed), and the orchestrator's own deadlines (restart
 * delays, update steps) wait for their time.
 */
import { taskHoldsAddresses } from '../allocator/index.ts';
import {
  compareTaskStates,
  networkTable,
  nodeTable,
  serviceTable,
  taskTable,
  type Network,
  type StoreEvent,
  type Task,
} from '../store/index.ts';
import { jsonEqual } from '../../lib/json-equal.ts';

/** One pass's share of the work: what it must look at (see PipelineWork). */
export interface PassWork {
  /**
   * Look at everything: every service, task and node. Only `released` and `removedNodes` are given then
   * (what is gone from the store cannot be found by reading it).
   */
  readonly everything: boolean;
  /** Services to reconcile: changed, a task of theirs changed, due, or on a changed node (all global ones then). */
  readonly services: ReadonlySet<string>;
  /** Nodes that changed: each may need its ingress leg. */
  readonly nodes: ReadonlySet<string>;
  /** Nodes removed: their ingress addresses go back. */
  readonly removedNodes: ReadonlySet<string>;
  /** Tasks that may be NEW: to allocate. */
  readonly fresh: ReadonlySet<string>;
  /** Tasks that may be PENDING: to schedule. */
  readonly pending: ReadonlySet<string>;
  /** Tasks that ended or were deleted: their addresses go back. */
  readonly released: ReadonlySet<string>;
}

export class PipelineWork {
  private everything = true;
  private services = new Set<string>();
  private nodes = new Set<string>();
  private removedNodes = new Set<string>();
  private fresh = new Set<string>();
  private pending = new Set<string>();
  private released = new Set<string>();
  /**
   * Services whose tasks only moved on towards RUNNING (allocated, assigned, started): the orchestrator
   * has nothing to decide for them unless a rolling update waits on its tasks (`take` asks which).
   */
  private progressed = new Set<string>();
  /** Changed nodes whose tasks' services are still to be named (`take` asks the store for them). */
  private readonly nodesOfTasks = new Set<string>();
  /** Addresses went back (a task ended, a node or a service went): what waits for one is tried again. */
  private freed = false;
  /** NEW tasks no address could be found for: tried again once addresses go back. */
  private readonly stuck = new Set<string>();
  /** Nodes no ingress address could be found for: likewise. */
  private readonly stuckNodes = new Set<string>();
  /** PENDING tasks no node could take: tried again when a node changes or a task ends. */
  private readonly unplaced = new Set<string>();
  /** Service → when the orchestrator wants to look at it again if nothing changes before. */
  private readonly due = new Map<string, number>();

  /** Starts over: the next pass looks at everything (a new term, a restarted watch). */
  reset(): void {
    this.everything = true;
    this.services.clear();
    this.nodes.clear();
    this.removedNodes.clear();
    this.fresh.clear();
    this.pending.clear();
    this.released.clear();
    this.progressed.clear();
    this.nodesOfTasks.clear();
    this.freed = false;
    this.stuck.clear();
    this.stuckNodes.clear();
    this.unplaced.clear();
    this.due.clear();
  }

  /** Records what one change of the store means for the next pass. */
  note(event: StoreEvent): void {
    switch (event.table) {
      case taskTable.name:
        this.noteTask(event.object as Task, event.kind === 'remove', event.oldObject as Task | undefined);
        return;
      case serviceTable.name:
        this.services.add(event.object.id);
        if (event.kind === 'remove') this.freed = true;
        return;
      case nodeTable.name:
        this.nodes.add(event.object.id);
        this.nodesOfTasks.add(event.object.id);
        if (event.kind === 'remove') {
          this.removedNodes.add(event.object.id);
          this.freed = true;
        }
        return;
      case networkTable.name:
        // The serial cursor moves with every batch of addresses handed out, and decides nothing here.
        if (
          event.kind === 'update' &&
          onlyCursorMoved(event.oldObject as Network | undefined, event.object as Network)
        )
          return;
        // Rare, and it changes what every service's tasks attach to: look at everything once.
        this.everything = true;
        return;
    }
  }

  private noteTask(task: Task, removed: boolean, old: Task | undefined): void {
    if (task.serviceId !== '') {
      // Each of a scale-up's thousands of reports would otherwise reconcile its whole service.
      if (!removed && old !== undefined && movedOn(old, task)) this.progressed.add(task.serviceId);
      else this.services.add(task.serviceId);
    }
    if (removed || !taskHoldsAddresses(task)) {
      this.released.add(task.id);
      this.freed = true;
      this.stuck.delete(task.id);
      this.unplaced.delete(task.id);
      return;
    }
    if (task.status.state === 'new') this.fresh.add(task.id);
    else if (task.status.state === 'pending') this.pending.add(task.id);
  }

  /**
   * Takes the work for a pass at `now`. `servicesOnNodes` names the services with tasks on the given nodes,
   * `globalServices` every global service (a changed node may need or lose one of their tasks), and
   * `updating` those of the given services that are gone or in a rolling update (or its rollback).
   */
  take(
    now: number,
    servicesOnNodes: (nodeIds: ReadonlySet<string>) => Iterable<string>,
    globalServices: () => Iterable<string>,
    updating: (serviceIds: ReadonlySet<string>) => Iterable<string>,
  ): PassWork {
    if (this.everything) {
      const all: PassWork = {
        everything: true,
        ...emptySets(),
        released: this.released,
        removedNodes: this.removedNodes,
      };
      // New sets before reset() clears them: the pass holds these.
      this.released = new Set();
      this.removedNodes = new Set();
      this.reset();
      this.everything = false;
      return all;
    }
    // Something went back or changed: what was waiting for it is tried again.
    if (this.freed) {
      for (const id of this.stuck) this.fresh.add(id);
      for (const id of this.stuckNodes) this.nodes.add(id);
      this.stuck.clear();
      this.stuckNodes.clear();
    }
    if (this.freed || this.nodes.size > 0) {
      for (const id of this.unplaced) this.pending.add(id);
      this.unplaced.clear();
    }
    this.freed = false;
    if (this.progressed.size > 0) {
      for (const id of updating(this.progressed)) this.services.add(id);
      this.progressed = new Set();
    }
    if (this.nodesOfTasks.size > 0) {
      for (const id of servicesOnNodes(this.nodesOfTasks)) this.services.add(id);
      for (const id of globalServices()) this.services.add(id);
      this.nodesOfTasks.clear();
    }
    for (const [id, at] of this.due) {
      if (at > now) continue;
      this.services.add(id);
      this.due.delete(id);
    }
    const work: PassWork = {
      everything: false,
      services: this.services,
      nodes: this.nodes,
      removedNodes: this.removedNodes,
      fresh: this.fresh,
      pending: this.pending,
      released: this.released,
    };
    const empty = emptySets();
    this.services = empty.services;
    this.nodes = empty.nodes;
    this.removedNodes = empty.removedNodes;
    this.fresh = empty.fresh;
    this.pending = empty.pending;
    this.released = empty.released;
    return work;
  }

  /** Gives back work a pass took and did not finish: the next pass looks at it again. */
  giveBack(work: Partial<Omit<PassWork, 'everything'>> & { everything?: boolean }): void {
    if (work.everything === true) this.everything = true;
    for (const id of work.services ?? []) this.services.add(id);
    for (const id of work.nodes ?? []) this.nodes.add(id);
    for (const id of work.removedNodes ?? []) this.removedNodes.add(id);
    for (const id of work.fresh ?? []) this.fresh.add(id);
    for (const id of work.pending ?? []) this.pending.add(id);
    for (const id of work.released ?? []) this.released.add(id);
  }

  /** A NEW task that found no address: tried again when addresses go back. */
  noAddress(taskId: string): void {
    this.stuck.add(taskId);
  }

  /** A node that found no ingress address: tried again when addresses go back. */
  noIngressAddress(nodeId: string): void {
    this.stuckNodes.add(nodeId);
  }

  /** A PENDING task no node could take: tried again when a node changes or a task ends. */
  noNode(taskId: string): void {
    this.unplaced.add(taskId);
  }

  /** The orchestrator wants to look at `serviceId` again at `at` (undefined: only on a change). */
  dueAt(serviceId: string, at: number | undefined): void {
    if (at === undefined) this.due.delete(serviceId);
    else this.due.set(serviceId, at);
  }

  /** The earliest time a service is due (Infinity if none). */
  nextDue(): number {
    let next = Infinity;
    for (const at of this.due.values()) next = Math.min(next, at);
    return next;
  }
}

function emptySets(): Omit<PassWork, 'everything'> & {
  services: Set<string>;
  nodes: Set<string>;
  removedNodes: Set<string>;
  fresh: Set<string>;
  pending: Set<string>;
  released: Set<string>;
} {
  return {
    services: new Set(),
    nodes: new Set(),
    removedNodes: new Set(),
    fresh: new Set(),
    pending: new Set(),
    released: new Set(),
  };
}

/**
 * `task` only moved on towards RUNNING since `old` (NEW → PENDING → ASSIGNED → … → RUNNING, or a reason
 * it waits): the same node once it has one, the same desired state, not past RUNNING. Nothing of that
 * changes what the orchestrator decides for a service that is not updating.
 */
function movedOn(old: Task, task: Task): boolean {
  return (
    (old.nodeId === task.nodeId || old.nodeId === '') &&
    old.desiredState === task.desiredState &&
    compareTaskStates(old.status.state, task.status.state) <= 0 &&
    compareTaskStates(task.status.state, 'running') <= 0
  );
}

/**
 * True if the network changed only where its allocation's serial cursor points (the allocator's own
 * write with each batch of addresses): the same spec, subnet, gateway and VXLAN ID. A pass that looked at
 * everything after each one read every task of the cluster per batch of a scale-up.
 */
function onlyCursorMoved(old: Network | undefined, now: Network): boolean {
  const [a, b] = [old?.allocation, now.allocation];
  return (
    old !== undefined &&
    a !== undefined &&
    b !== undefined &&
    a.subnet === b.subnet &&
    a.gateway === b.gateway &&
    a.vni === b.vni &&
    jsonEqual(old.spec, now.spec)
  );
}
