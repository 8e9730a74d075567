/**
 * One pass's working state: the service's tasks with the desired states decided so far, the tasks created so
 * far, and the earliest wake-up. Decisions are made against this view (so a later step sees what an earlier
 * one did) and turned into the list of writes at the end, one write per task at most.
 */
import type {
  Endpoint,
  NetworkAttachment,
  NewObject,
  Service,
  ServiceSpec,
  Task,
  TaskState,
} from '../store/index.ts';
import { isUpToDate, type NodeIndex, type TaskTarget } from './task-facts.ts';
import {
  DEFAULT_STOP_WAIT_MS,
  DEFAULT_TASK_HISTORY_LIMIT,
  type CompiledOrchestratorOptions,
  type OrchestratorOptions,
  type TaskChange,
} from './types.ts';

/** Fills in the defaults of `options`. Throws RangeError for a negative or non-integer history limit. */
export function compileOrchestratorOptions(options: OrchestratorOptions = {}): CompiledOrchestratorOptions {
  const historyLimit = options.historyLimit ?? DEFAULT_TASK_HISTORY_LIMIT;
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 1) {
    throw new RangeError(`historyLimit must be a positive integer, got ${historyLimit}`);
  }
  return Object.freeze({
    historyLimit,
    stopWaitMs: options.stopWaitMs ?? DEFAULT_STOP_WAIT_MS,
    taskNetworks:
      options.taskNetworks ??
      ((spec: ServiceSpec): NetworkAttachment[] =>
        spec.networks.map(n => ({ networkId: n.target, addresses: [] }))),
  });
}

/**
 * Each stored task's last verdict of `isUpToDate`, with the target it was given against. Every pass over a
 * service asks it of every task, and a pass comes with each batch of a scale-up: the deep compare of
 * the specs was a quarter of the leader's time in one. Stored tasks and services are frozen, so the same
 * objects give the same answer; a changed task or service is a new object, and is compared again.
 */
const upToDateSeen = new WeakMap<Task, TaskTarget & { readonly upToDate: boolean }>();

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** A task as the pass sees it: the stored (or new) task and the desired state decided for it. */
export class WorkTask {
  /** The desired state as decided so far (the stored one until a step changes it). */
  desiredState: TaskState;
  /** Set when the pass deletes the task. */
  deleted = false;

  constructor(
    /** The task as stored, or as created by this pass (with a `meta` made up from the pass's time). */
    readonly task: Task,
    /** True if this pass creates the task. */
    readonly isNew: boolean,
  ) {
    this.desiredState = task.desiredState;
  }

  get id(): string {
    return this.task.id;
  }
  get slot(): number {
    return this.task.slot;
  }
  get nodeId(): string {
    return this.task.nodeId;
  }
  get status(): Task['status'] {
    return this.task.status;
  }
  get spec(): Task['spec'] {
    return this.task.spec;
  }
  get networks(): Task['networks'] {
    return this.task.networks;
  }
  get endpoint(): Task['endpoint'] {
    return this.task.endpoint;
  }
  get createdAt(): number {
    return this.task.meta.createdAt;
  }
}

/** Oldest first: by creation time, then id (ties only between tasks created in one transaction). */
export function byAge(a: WorkTask, b: WorkTask): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The working state of one pass over one service. */
export class Pass {
  readonly now: number;
  readonly options: CompiledOrchestratorOptions;
  readonly nodes: NodeIndex;
  readonly service: Service;
  /** What an up-to-date task carries. */
  readonly target: TaskTarget;
  /** Every task of the service, then the ones created, in creation order. */
  readonly tasks: WorkTask[] = [];
  private readonly newId: () => string;
  private wake: number | undefined;
  /** Creations left before the pass stops filling missing slots (OrchestratorInput.maxCreates). */
  createsLeft: number;
  /** Missing slots were left unfilled for want of `createsLeft`. */
  unfinished = false;

  constructor(args: {
    now: number;
    options: CompiledOrchestratorOptions;
    nodes: NodeIndex;
    service: Service;
    tasks: readonly Task[];
    newId: () => string;
    maxCreates?: number | undefined;
  }) {
    this.now = args.now;
    this.options = args.options;
    this.nodes = args.nodes;
    this.service = args.service;
    this.newId = args.newId;
    this.createsLeft = args.maxCreates ?? Infinity;
    const { spec } = args.service;
    this.target = {
      spec: spec.task,
      networkIds: args.options.taskNetworks(spec).map(n => n.networkId),
      endpoint: args.service.endpoint,
    };
    for (const task of args.tasks) {
      if (task.serviceId === args.service.id) this.tasks.push(new WorkTask(task, false));
    }
  }

  /** True if `task` is made from the service's current spec. */
  upToDate(task: WorkTask): boolean {
    const t = this.target;
    const seen = upToDateSeen.get(task.task);
    if (
      seen !== undefined &&
      seen.spec === t.spec &&
      seen.endpoint === t.endpoint &&
      sameIds(seen.networkIds, t.networkIds)
    ) {
      return seen.upToDate;
    }
    const upToDate = isUpToDate(task, t);
    upToDateSeen.set(task.task, { ...t, upToDate });
    return upToDate;
  }

  /** Decides `state` as the desired state of `task` (a later decision for the same task wins). */
  setDesired(task: WorkTask, state: TaskState): void {
    task.desiredState = state;
  }

  /** Deletes `task` (no other write is made for it). */
  delete(task: WorkTask): void {
    task.deleted = true;
  }

  /**
   * Creates a task of the current spec in `slot` (0 for a global service) on `nodeId` ('' to be scheduled),
   * observed `new`, with the spec's networks (addresses empty) and the service's endpoint.
   */
  create(slot: number, nodeId: string, desiredState: TaskState): WorkTask {
    const { service, now } = this;
    const endpoint: Endpoint | undefined = service.endpoint;
    const task: NewObject<Task> = {
      id: this.newId(),
      serviceId: service.id,
      slot,
      nodeId,
      desiredState,
      status: { state: 'new', timestamp: now, message: 'created' },
      // The service's own (frozen, as the store keeps every object) spec and endpoint: a pass that
      // creates thousands of tasks copied them for each, and most of a large scale-up's creations are
      // decided again in a later pass (a write takes a bounded batch).
      spec: service.spec.task,
      networks: this.options.taskNetworks(service.spec).map(n => ({ networkId: n.networkId, addresses: [] })),
      ...(endpoint === undefined ? {} : { endpoint }),
    };
    const work = new WorkTask(
      { ...task, meta: { version: { index: 0 }, createdAt: now, updatedAt: now } },
      true,
    );
    this.createsLeft--;
    this.tasks.push(work);
    return work;
  }

  /** Asks to be woken at `at` if it is later than now (the earliest such time is kept). */
  wakeAt(at: number): void {
    if (at > this.now && (this.wake === undefined || at < this.wake)) this.wake = at;
  }

  /** The earliest wake-up asked for, if any. */
  get wakeTime(): number | undefined {
    return this.wake;
  }

  /** The writes: creations, then desired-state changes, then deletions; none for a task created and deleted. */
  changes(): TaskChange[] {
    const creates: TaskChange[] = [];
    const updates: TaskChange[] = [];
    const deletes: TaskChange[] = [];
    for (const work of this.tasks) {
      if (work.isNew) {
        if (work.deleted) continue;
        const { meta: _meta, ...task } = work.task;
        creates.push({ kind: 'create', task: { ...task, desiredState: work.desiredState } });
      } else if (work.deleted) {
        deletes.push({ kind: 'delete', taskId: work.id });
      } else if (work.desiredState !== work.task.desiredState) {
        updates.push({ kind: 'set-desired-state', taskId: work.id, desiredState: work.desiredState });
      }
    }
    return [...creates, ...updates, ...deletes];
  }
}
