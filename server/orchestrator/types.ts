/**
 * What the orchestrator is given and what it answers: plain data, no store handle. The caller (a
 * leader-only loop watching the store) reads the objects, calls `reconcileService`, and writes the answer
 * back in one transaction.
 */
import type { ConstraintNode } from '../scheduler/index.ts';
import type {
  NetworkAttachment,
  NewObject,
  Service,
  ServiceSpec,
  Task,
  TaskState,
  UpdateState,
  UpdateStatus,
} from '../store/index.ts';

export type { UpdateState, UpdateStatus };

/** What the orchestrator reads of a node (a stored `Node` has it): state, availability, constraint attributes. */
export type OrchestratorNode = ConstraintNode;

/** Tunables; every field has Swarm's default. */
export interface OrchestratorOptions {
  /**
   * Tasks kept per slot (replicated) or per node (global), the live one included (swarmkit's
   * `TaskHistoryRetentionLimit`). More are kept when the restart policy's `maxAttempts` needs them to count.
   * @default 5
   */
  historyLimit?: number;
  /**
   * How long a replacement waits (desired state `ready`) for the task it replaces to stop before it is
   * started anyway (swarmkit's restart supervisor `taskTimeout`).
   * @default 60000
   */
  stopWaitMs?: number;
  /**
   * The attachments a new task of a service with `spec` starts with (addresses empty: the allocator fills
   * them). Pass the allocator's `taskNetworks`, which puts the ingress network first when a port is published
   * in ingress mode. Also what a task's networks are compared with to tell whether it is out of date.
   * @default the spec's networks, in order
   */
  taskNetworks?: (spec: ServiceSpec) => NetworkAttachment[];
}

/** `OrchestratorOptions` with every default filled in. */
export interface CompiledOrchestratorOptions {
  readonly historyLimit: number;
  readonly stopWaitMs: number;
  readonly taskNetworks: (spec: ServiceSpec) => NetworkAttachment[];
}

/** Swarm's default history: five tasks per slot (`manager.go`). */
export const DEFAULT_TASK_HISTORY_LIMIT = 5;

/** Swarm's restart supervisor waits this long for an old task to stop. */
export const DEFAULT_STOP_WAIT_MS = 60_000;

/** Everything one pass over one service looks at; nothing else is read. */
export interface OrchestratorInput {
  /** The time of the pass (ms since the epoch), as the store's transactions use. */
  readonly now: number;
  readonly service: Service;
  /** Every task of the service, whatever its state (history included). Tasks of other services are ignored. */
  readonly tasks: readonly Task[];
  /** Every node of the cluster. A task whose node is not here is on a removed node. */
  readonly nodes: readonly OrchestratorNode[];
  /** Gives the id of each task the pass creates (the caller's id generator). */
  readonly newId: () => string;
  readonly options?: OrchestratorOptions;
  /**
   * The most tasks the pass creates for a replicated service's missing slots; the slots left are the next
   * pass's (`unfinished`), once these writes are applied. A scale-up is written a bounded batch at a time:
   * deciding all of it in each pass made a scale to N cost O(N²). @default unbounded
   */
  readonly maxCreates?: number;
}

/** One write the caller makes, in the order given (all in one transaction). */
export type TaskChange =
  | {
      readonly kind: 'create';
      /** `meta` is left to the store: its `createdAt` must be the transaction's time (≥ the pass's `now`). */
      readonly task: NewObject<Task>;
    }
  | { readonly kind: 'set-desired-state'; readonly taskId: string; readonly desiredState: TaskState }
  | { readonly kind: 'delete'; readonly taskId: string };

/** A write to the service itself. */
export interface ServiceChange {
  /** The new value of `Service.updateStatus`. */
  readonly updateStatus: UpdateStatus;
  /**
   * Present when an automatic rollback starts: the caller writes `spec` and `previousSpec` as given (the
   * two swapped). The task changes of the same answer already roll back towards `spec`.
   */
  readonly rollback?: { readonly spec: ServiceSpec; readonly previousSpec: ServiceSpec };
}

/** What one pass decided. Nothing at all (no changes, no `wakeAt`) means the service is converged. */
export interface OrchestratorResult {
  readonly taskChanges: readonly TaskChange[];
  /** Absent when the service object needs no write. */
  readonly serviceChange?: ServiceChange;
  /**
   * The earliest time (> now) at which a pass may decide something new without any object changing: a
   * restart delay or an update delay running out, an update's monitor period ending, a replacement's wait
   * for its predecessor timing out. A pass at that time may also find nothing to do (the task it waited for
   * was replaced meanwhile). Absent: only a change of the objects can make a difference.
   */
  readonly wakeAt?: number;
  /** Missing slots were left unfilled for `maxCreates`: call again once these writes are applied. */
  readonly unfinished?: true;
}
