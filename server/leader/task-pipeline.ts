/**
 * The leader's task pipeline: services become tasks, tasks get addresses, tasks land on nodes (swarmkit
 * runs an orchestrator, the allocator and the scheduler as three loops on the leader; here they are three
 * steps of one pass, so they never race each other).
 *
 * A pass, run whenever a service, task, node or network changes, or when the orchestrator asked to be woken,
 * looks at what changed since the last one (pipeline-work.ts; everything once per term):
 *   1. the orchestrator (pure) decides task creates, desired-state changes and deletions per service;
 *   2. the allocator gives NEW tasks their addresses and makes them PENDING; addresses of tasks that
 *      ended or were deleted go back to the pools;
 *   3. the scheduler (pure) places PENDING tasks (ASSIGNED, with a node) or writes why it cannot.
 * Each step is one store transaction, proposed only by this manager as the leader of the term it started
 * in, inside the leader allocator's serialised section (the Control API allocates there too). A write that
 * loses a race (an agent reported a status meanwhile: `update out of sequence`) is simply done again by
 * the next pass, from the objects as they are then: nothing is remembered between passes.
 */
import type { Logger } from 'pino';
import { randomNodeId } from '../../certs/index.ts';
import {
  AllocatorError,
  jsonBytes,
  taskHoldsAddresses,
  type NetworkAllocationUpdate,
  type NetworkAllocator,
} from '../allocator/index.ts';
import { writeNetworkUpdates, type LeaderAllocator } from './leader-allocator.ts';
import { reconcileRemovedService, reconcileService, type TaskChange } from '../orchestrator/index.ts';
import { schedule } from '../scheduler/index.ts';
import { oversizeAllowance, PIPELINE_BATCH, takeBatch } from './bounded-batch.ts';
import type { LeaderService } from './leadership.ts';
import { PipelineWork, type PassWork } from './pipeline-work.ts';
import {
  applyTaskChange,
  orchestratorWriteBytes,
  taskBytes,
  withinReplicaLimit,
  type OrchestratorWrite,
} from './pipeline-writes.ts';
import {
  compareTaskStates,
  findNodes,
  findServices,
  findTasks,
  getNode,
  getService,
  getTask,
  networkTable,
  nodeTable,
  serviceTable,
  StoreError,
  taskOccupancy,
  taskTable,
  updateNode,
  updateService,
  updateTask,
  type MemoryStore,
  type NetworkAttachment,
  type Node,
  type ReadTx,
  type ProposeOptions,
  type Service,
  type Task,
  type Tx,
  type Watcher,
} from '../store/index.ts';

export interface TaskPipelineOptions {
  /** The pause before a pass is tried again after it failed. @default 200 */
  retryMs?: number;
}

type Phase = { kind: 'follower' } | { kind: 'leading'; term: number; watcher: Watcher };

/** A leader service (leadership.ts): passes run from the start of a term until its end. */
export class TaskPipeline implements LeaderService {
  readonly name = 'task pipeline';
  private phase: Phase = { kind: 'follower' };
  private readonly retryMs: number;
  private wake: { at: number; timer: NodeJS.Timeout } | undefined;
  private running = false;
  private dirty = false;
  /** A step of the pass wrote part of what it had (bounded batches): another pass follows at once. */
  private more = false;
  /** What the next pass has to look at, from the store's events. */
  private readonly work = new PipelineWork();

  constructor(
    private readonly store: MemoryStore,
    private readonly allocator: LeaderAllocator,
    private readonly log: Logger,
    options: TaskPipelineOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 200;
  }

  start(term: number): void {
    this.follow();
    this.lead(term);
  }

  /** No pass starts after this; one under way writes nothing more once its term is over (fenced). */
  stop(): void {
    this.follow();
  }

  private lead(term: number): void {
    const watcher = this.store.watch({
      tables: [serviceTable.name, taskTable.name, nodeTable.name, networkTable.name],
    });
    this.phase = { kind: 'leading', term, watcher };
    this.work.reset();
    void this.followEvents(watcher);
    this.kick();
  }

  private follow(): void {
    if (this.phase.kind === 'leading') this.phase.watcher.close();
    this.phase = { kind: 'follower' };
    clearTimeout(this.wake?.timer);
    this.wake = undefined;
  }

  private async followEvents(watcher: Watcher): Promise<void> {
    try {
      for await (const event of watcher) {
        this.work.note(event);
        this.kick();
      }
    } catch (err) {
      // Overflowed or the store was restored: everything is read again by a pass anyway.
      this.log.warn({ err }, 'task pipeline: watch ended; starting over');
      if (this.phase.kind === 'leading' && this.phase.watcher === watcher) {
        const { term } = this.phase;
        this.follow();
        this.lead(term);
      }
    }
  }

  /** Asks for a pass; passes never overlap, and one asked for during a pass runs after it. */
  private kick(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    while (this.dirty && this.phase.kind === 'leading') {
      this.dirty = false;
      const { term } = this.phase;
      let work: PassWork | undefined;
      try {
        this.more = false;
        await this.allocator.run(async pools => {
          work = this.takeWork();
          await this.pass(pools, term, work);
        });
        if (this.more) this.dirty = true;
        this.wakeAt(this.work.nextDue());
      } catch (err) {
        // Looked at again by the next pass, from the objects as they are then.
        if (work !== undefined) this.work.giveBack(work);
        if (this.phase.kind !== 'leading') break;
        // A lost race is ordinary (the next pass sees the winner's write); anything else is logged.
        if (!(err instanceof StoreError)) this.log.warn({ err }, 'task pipeline: a pass failed');
        this.dirty = true;
        await new Promise(r => setTimeout(r, this.retryMs));
      }
    }
    this.running = false;
  }

  private wakeAt(at: number): void {
    if (at === Infinity || (this.wake !== undefined && this.wake.at <= at)) return;
    clearTimeout(this.wake?.timer);
    const timer = setTimeout(
      () => {
        this.wake = undefined;
        this.kick();
      },
      Math.max(0, at - Date.now()),
    );
    this.wake = { at, timer };
  }

  /** This pass's share of the work; the services a changed node concerns are read from the store here. */
  private takeWork(): PassWork {
    return this.work.take(
      Date.now(),
      nodeIds =>
        this.store.view(tx => {
          const ids = new Set<string>();
          for (const nodeId of nodeIds) for (const t of findTasks(tx, { nodeId })) ids.add(t.serviceId);
          ids.delete('');
          return ids;
        }),
      () => this.store.view(tx => findServices(tx, { where: s => 'global' in s.spec.mode }).map(s => s.id)),
      serviceIds =>
        this.store.view(tx =>
          [...serviceIds].filter(id => {
            const service = getService(tx, id);
            const state = service?.updateStatus?.state;
            return service === undefined || state === 'updating' || state === 'rollback_started';
          }),
        ),
    );
  }

  private async pass(pools: NetworkAllocator, term: number, work: PassWork): Promise<void> {
    this.release(pools, work);
    // What a step wrote is the next step's work in the same pass, not in passes of its own after its
    // events come back: a new service's tasks are created, allocated and assigned in one pass.
    const created = await this.orchestrate(pools, term, work);
    const allocated = await this.allocate(pools, { ...work, fresh: union(work.fresh, created) });
    await this.schedule(term, { ...work, pending: union(work.pending, allocated) });
  }

  /** Addresses of tasks that ended or are gone go back to the pools (a rebuild would not count them either). */
  private release(pools: NetworkAllocator, work: PassWork): void {
    for (const id of work.released) pools.releaseTask(id);
    for (const id of work.removedNodes) pools.releaseNode(id);
    if (!work.everything) return;
    const { tasks, nodes } = this.store.view(tx => ({ tasks: findTasks(tx), nodes: findNodes(tx) }));
    for (const task of tasks) {
      if (!taskHoldsAddresses(task)) pools.releaseTask(task.id);
    }
    const live = new Set(nodes.map(n => n.id));
    for (const id of pools.nodesHolding()) if (!live.has(id)) pools.releaseNode(id);
  }

  /**
   * The services to reconcile, each with a reader of its tasks (undefined service: removed, its tasks are
   * orphans). Tasks are read when their service's turn comes: a pass may stop before it.
   */
  private servicesToReconcile(work: PassWork): { id: string; service?: Service; tasks: () => Task[] }[] {
    return this.store.view(tx => {
      if (!work.everything) {
        return [...work.services].map(id => {
          const service = getService(tx, id);
          const tasks = (): Task[] => this.store.view(t => findTasks(t, { serviceId: id }));
          return service === undefined ? { id, tasks } : { id, service, tasks };
        });
      }
      const byService = groupBy(findTasks(tx), t => t.serviceId);
      const all = findServices(tx).map(service => {
        const tasks = byService.get(service.id) ?? [];
        byService.delete(service.id);
        return { id: service.id, service, tasks: () => tasks };
      });
      byService.delete(''); // standalone attachments belong to no service
      return [...all, ...[...byService].map(([id, tasks]) => ({ id, tasks: () => tasks }))];
    });
  }

  /** Reconciles the services `work` names; resolves with the IDs of the tasks it created. */
  private async orchestrate(pools: NetworkAllocator, term: number, work: PassWork): Promise<string[]> {
    const now = Date.now();
    const entries = this.servicesToReconcile(work);
    // Most passes (a task's status, a node's heartbeat) reconcile no service: no read of every node.
    const nodes = entries.length === 0 ? [] : this.store.view(tx => findNodes(tx));
    const taskChanges: TaskChange[] = [];
    const serviceWrites: Service[] = [];
    const byId = new Map<string, Task>();
    // A pass decides about one write's worth of changes: the services after that wait for the next pass
    // (they are given back), and so do a scale-up's slots beyond it (`unfinished`), after them, so that
    // services scaled together take turns.
    const postponed: string[] = [];
    const unfinished: string[] = [];
    for (const { id, service, tasks: read } of entries) {
      if (taskChanges.length >= PIPELINE_BATCH.maxItems) {
        postponed.push(id);
        continue;
      }
      const tasks = read();
      for (const t of tasks) byId.set(t.id, t);
      if (service === undefined) {
        taskChanges.push(...reconcileRemovedService({ tasks, nodes }));
        this.work.dueAt(id, undefined);
        continue;
      }
      const result = reconcileService({
        now,
        service: withinReplicaLimit(service),
        tasks,
        nodes,
        newId: randomNodeId,
        options: { taskNetworks: spec => pools.taskNetworks(spec) },
        maxCreates: PIPELINE_BATCH.maxItems - taskChanges.length,
      });
      taskChanges.push(...result.taskChanges);
      this.work.dueAt(id, result.wakeAt);
      if (result.unfinished === true) unfinished.push(id);
      const change = result.serviceChange;
      if (change !== undefined) {
        serviceWrites.push({
          ...service,
          updateStatus: change.updateStatus,
          ...(change.rollback ?? {}),
        });
      }
    }
    if (postponed.length + unfinished.length > 0) {
      this.more = true;
      this.work.giveBack({ services: new Set([...postponed, ...unfinished]) });
    }
    if (taskChanges.length === 0 && serviceWrites.length === 0) return [];
    const writes: OrchestratorWrite[] = [
      ...serviceWrites.map(service => ({ service })),
      ...taskChanges.map(change => ({ change })),
    ];
    const batch = takeBatch(writes, w => orchestratorWriteBytes(w, byId));
    if (batch.left > 0) {
      this.more = true;
      // The rest is decided again from the objects after this write.
      this.work.giveBack({ services: new Set(entries.map(e => e.id)) });
    }
    await this.write(
      term,
      tx => {
        for (const w of batch.items) {
          if ('service' in w) {
            if (getService(tx, w.service.id) !== undefined) updateService(tx, w.service);
          } else applyTaskChange(tx, w.change);
        }
      },
      oversizeAllowance(batch),
    );
    return batch.items.flatMap(w => ('change' in w && w.change.kind === 'create' ? [w.change.task.id] : []));
  }

  /**
   * NEW tasks get their addresses and become PENDING, in one write with the networks' cursors; resolves
   * with the IDs of the tasks it made PENDING.
   */
  private async allocate(pools: NetworkAllocator, work: PassWork): Promise<string[]> {
    await this.allocateNodes(pools, work);
    const wanted = (t: Task): boolean =>
      t.status.state === 'new' &&
      t.standalone === undefined &&
      compareTaskStates(t.desiredState, 'running') <= 0;
    const fresh = this.store.view(tx =>
      work.everything ? findTasks(tx, { where: wanted }) : tasksAmong(tx, work.fresh, wanted),
    );
    if (fresh.length === 0) return [];
    const batch = takeBatch(fresh, taskBytes);
    if (batch.left > 0) {
      this.more = true;
      this.work.giveBack({ fresh: new Set(fresh.slice(batch.items.length).map(t => t.id)) });
    }
    const now = Date.now();
    const written: Task[] = [];
    const cursors = new Map<string, NetworkAllocationUpdate>();
    for (const task of batch.items) {
      try {
        const { networks, networkUpdates } = pools.allocateTask(task);
        for (const u of networkUpdates) cursors.set(u.networkId, u);
        written.push({
          ...task,
          networks,
          status: { state: 'pending', timestamp: now, message: 'pending task scheduling' },
        });
      } catch (err) {
        if (!(err instanceof AllocatorError)) throw err;
        // Stays NEW with the reason (a full subnet frees up when tasks end); tried again when addresses go back.
        this.work.noAddress(task.id);
        if (task.status.err !== err.message)
          written.push({ ...task, status: { ...task.status, err: err.message } });
      }
    }
    const allocated = written.filter(t => t.status.state === 'pending').map(t => t.id);
    await this.allocator.write(
      tx => {
        for (const task of written) updateTask(tx, task);
        writeNetworkUpdates(tx, [...cursors.values()]);
      },
      () => {
        for (const id of allocated) pools.releaseTask(id);
        // The cursors moved in the pools only: rebuild them from the store.
        this.allocator.invalidate();
      },
      oversizeAllowance(batch),
    );
    return allocated;
  }

  /** Every node gets its leg on the ingress network (the routing mesh), in one write with the network's cursor. */
  private async allocateNodes(pools: NetworkAllocator, work: PassWork): Promise<void> {
    const ingress = pools.ingressNetworkId;
    if (ingress === undefined) return;
    const bare = this.store.view(tx => {
      const wanted = (n: Node): boolean => n.attachment?.networkId !== ingress;
      if (work.everything) return findNodes(tx, { where: wanted });
      return [...work.nodes].sort().flatMap(id => {
        const n = getNode(tx, id);
        return n !== undefined && wanted(n) ? [n] : [];
      });
    });
    if (bare.length === 0) return;
    const batch = takeBatch(bare, jsonBytes);
    if (batch.left > 0) {
      this.more = true;
      this.work.giveBack({ nodes: new Set(bare.slice(batch.items.length).map(n => n.id)) });
    }
    const written: { id: string; attachment: NetworkAttachment }[] = [];
    const cursors = new Map<string, NetworkAllocationUpdate>();
    for (const node of batch.items) {
      try {
        const { networks, networkUpdates } = pools.allocateNode(node);
        for (const u of networkUpdates) cursors.set(u.networkId, u);
        const attachment = networks[0];
        if (attachment !== undefined) written.push({ id: node.id, attachment });
      } catch (err) {
        if (!(err instanceof AllocatorError)) throw err;
        this.log.warn({ node: node.id, err: err.message }, 'task pipeline: no ingress address for a node');
        this.work.noIngressAddress(node.id);
      }
    }
    await this.allocator.write(
      tx => {
        for (const node of written) {
          const now = getNode(tx, node.id);
          if (now !== undefined) updateNode(tx, { ...now, attachment: node.attachment });
        }
        writeNetworkUpdates(tx, [...cursors.values()]);
      },
      () => {
        for (const node of written) pools.releaseNode(node.id);
        this.allocator.invalidate();
      },
    );
  }

  /** PENDING tasks go to nodes (ASSIGNED), or keep the scheduler's reason. */
  private async schedule(term: number, work: PassWork): Promise<void> {
    const wanted = (t: Task): boolean =>
      t.status.state === 'pending' && compareTaskStates(t.desiredState, 'running') <= 0;
    const decided = this.store.view(tx => {
      const pending = (
        work.everything ? findTasks(tx, { where: wanted }) : tasksAmong(tx, work.pending, wanted)
      ).sort((a, b) => (a.serviceId === b.serviceId ? a.slot - b.slot : a.serviceId < b.serviceId ? -1 : 1));
      if (pending.length === 0) return undefined;
      const batch = takeBatch(pending, taskBytes);
      // What each node holds, as the store's counts (in the same read as the batch): the pass costs the
      // batch times the nodes, not a read of every task.
      const result = schedule({ nodes: findNodes(tx), occupancy: taskOccupancy(tx), pending: batch.items });
      return { pending, batch, result };
    });
    if (decided === undefined) return;
    const { pending, batch } = decided;
    const { assignments, unplaced } = decided.result;
    if (batch.left > 0) {
      this.more = true;
      this.work.giveBack({ pending: new Set(pending.slice(batch.items.length).map(t => t.id)) });
    }
    const now = Date.now();
    const byId = new Map(pending.map(t => [t.id, t]));
    const written: Task[] = [];
    for (const [id, nodeId] of assignments) {
      const task = byId.get(id);
      if (task === undefined) continue;
      written.push({
        ...task,
        nodeId,
        status: { state: 'assigned', timestamp: now, message: 'scheduler assigned task to node' },
      });
    }
    for (const [id, reason] of unplaced) {
      this.work.noNode(id);
      const task = byId.get(id);
      if (task !== undefined && task.status.err !== reason) {
        written.push({ ...task, status: { ...task.status, err: reason } });
      }
    }
    if (written.length === 0) return;
    await this.write(
      term,
      tx => {
        for (const task of written) updateTask(tx, task);
      },
      oversizeAllowance(batch),
    );
  }

  /** A write of this leader's term (see ProposeOptions): never one a later leader could see land. */
  private async write(term: number, fn: (tx: Tx) => void, options: ProposeOptions = {}): Promise<void> {
    await this.store.update(fn, Date.now(), { ...options, term });
  }
}

/** The tasks among `ids` that are in the store and `wanted`, by id (the order a scan gives). */
function tasksAmong(tx: ReadTx, ids: ReadonlySet<string>, wanted: (t: Task) => boolean): Task[] {
  return [...ids].sort().flatMap(id => {
    const t = getTask(tx, id);
    return t !== undefined && wanted(t) ? [t] : [];
  });
}

function union(a: ReadonlySet<string>, more: readonly string[]): ReadonlySet<string> {
  return more.length === 0 ? a : new Set([...a, ...more]);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}
