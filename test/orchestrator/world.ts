/**
 * A fake cluster around the orchestrator, on a fake clock: nodes, tasks and one service held as plain
 * objects; `pass()` runs one orchestrator pass and applies its answer as the store would (meta.createdAt =
 * the pass's time); a fake scheduler places unassigned tasks (fewest tasks of the service, then node id) and
 * fake agents move tasks along (start what is desired running, stop what is desired shut down).
 */
import {
  reconcileService,
  type OrchestratorInput,
  type OrchestratorOptions,
  type OrchestratorResult,
} from '../../server/orchestrator/index.ts';
import { constraintMatcher } from '../../server/orchestrator/index.ts';
import {
  compareTaskStates,
  recordedStatus,
  type Node,
  type Service,
  type ServiceSpec,
  type Task,
  type TaskState,
} from '../../server/store/index.ts';
import { newNode, newServiceSpec } from '../store/fixtures.ts';

export const START = 1_000_000;

export interface NodePatch {
  state?: Node['status']['state'];
  availability?: Node['spec']['availability'];
  labels?: Record<string, string>;
}

/** True if the task is live (desired state at most running). */
export function live(task: Pick<Task, 'desiredState'>): boolean {
  return compareTaskStates(task.desiredState, 'running') <= 0;
}

export class World {
  now = START;
  readonly nodes = new Map<string, Node>();
  readonly tasks = new Map<string, Task>();
  service: Service;
  options: OrchestratorOptions = {};
  /** Every answer, in order. */
  readonly results: OrchestratorResult[] = [];
  /** Tasks the fake agents make fail when they start them (instead of running). */
  crashes: (task: Task) => boolean = () => false;
  /** How long an agent takes to start a task after it was placed (or prepared). */
  startDelayMs = 0;
  /** The orchestrator under test (a broken one, to prove a property test catches it). */
  orchestrate: (input: OrchestratorInput) => OrchestratorResult = reconcileService;
  private seq = 0;
  private version = 1;

  constructor(overrides: Partial<ServiceSpec> = {}, nodeIds: string[] = []) {
    this.service = {
      id: 'svc',
      meta: this.meta(),
      spec: newServiceSpec('web', overrides),
    };
    for (const id of nodeIds) this.addNode(id);
  }

  private meta(): Task['meta'] {
    return { version: { index: this.version++ }, createdAt: this.now, updatedAt: this.now };
  }

  addNode(id: string, patch: NodePatch = {}): void {
    const node = newNode(id);
    this.nodes.set(id, { ...node, meta: this.meta() });
    this.setNode(id, patch);
  }

  setNode(id: string, patch: NodePatch): void {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    this.nodes.set(id, {
      ...node,
      spec: {
        ...node.spec,
        availability: patch.availability ?? node.spec.availability,
        labels: patch.labels ?? node.spec.labels,
      },
      status: { ...node.status, state: patch.state ?? node.status.state },
    });
  }

  removeNode(id: string): void {
    this.nodes.delete(id);
  }

  /** Changes the spec as the Control API does: the old one kept as previous, the update status cleared. */
  updateSpec(change: (spec: ServiceSpec) => ServiceSpec): void {
    const { updateStatus: _cleared, ...service } = this.service;
    this.service = {
      ...service,
      previousSpec: this.service.spec,
      spec: change(structuredClone(this.service.spec)),
    };
  }

  scale(replicas: number): void {
    this.updateSpec(spec => ({ ...spec, mode: { replicated: { replicas } } }));
  }

  task(id: string): Task {
    const task = this.tasks.get(id);
    if (task === undefined) throw new Error(`no task ${id}`);
    return task;
  }

  /** Sets a task's observed state at the current time. */
  setState(id: string, state: TaskState, err?: string): void {
    const task = this.task(id);
    this.tasks.set(id, {
      ...task,
      // As the dispatcher records an agent's report.
      status: recordedStatus(task.status, {
        state,
        timestamp: this.now,
        ...(err === undefined ? {} : { err }),
      }),
    });
  }

  /** One orchestrator pass, applied. */
  pass(): OrchestratorResult {
    const result = this.orchestrate({
      now: this.now,
      service: this.service,
      tasks: [...this.tasks.values()],
      nodes: [...this.nodes.values()],
      newId: () => `t${++this.seq}`,
      options: this.options,
    });
    this.results.push(result);
    for (const change of result.taskChanges) {
      if (change.kind === 'create') {
        if (this.tasks.has(change.task.id)) throw new Error(`task ${change.task.id} created twice`);
        this.tasks.set(change.task.id, { ...change.task, meta: this.meta() });
      } else if (change.kind === 'delete') {
        if (!this.tasks.delete(change.taskId)) throw new Error(`delete of unknown task ${change.taskId}`);
      } else {
        const task = this.task(change.taskId);
        this.tasks.set(change.taskId, { ...task, desiredState: change.desiredState });
      }
    }
    const change = result.serviceChange;
    if (change !== undefined) {
      this.service = {
        ...this.service,
        updateStatus: change.updateStatus,
        ...(change.rollback === undefined
          ? {}
          : { spec: change.rollback.spec, previousSpec: change.rollback.previousSpec }),
      };
    }
    return result;
  }

  /** Places unassigned live tasks; returns true if it placed any. */
  schedule(): boolean {
    let placed = false;
    const matches = constraintMatcher(this.service.spec.task.constraints);
    for (const task of [...this.tasks.values()].sort(
      (a, b) => a.slot - b.slot || a.meta.createdAt - b.meta.createdAt,
    )) {
      if (task.nodeId !== '' || !live(task) || compareTaskStates(task.status.state, 'running') > 0) continue;
      const candidates = [...this.nodes.values()]
        .filter(n => n.status.state === 'ready' && n.spec.availability === 'active' && matches(n))
        .map(n => ({ id: n.id, load: this.liveOn(n.id) }))
        .sort((a, b) => a.load - b.load || (a.id < b.id ? -1 : 1));
      const best = candidates[0];
      if (best === undefined) continue;
      this.tasks.set(task.id, {
        ...task,
        nodeId: best.id,
        status: { state: 'assigned', timestamp: this.now },
      });
      placed = true;
    }
    return placed;
  }

  private liveOn(nodeId: string): number {
    return [...this.tasks.values()].filter(
      t => t.nodeId === nodeId && live(t) && compareTaskStates(t.status.state, 'running') <= 0,
    ).length;
  }

  /**
   * The agents of reachable (not down, present) nodes: a task desired running and not yet running starts
   * (or fails, if `crashes` says so); a task desired past running that has not ended is shut down. Returns
   * true if anything moved.
   */
  agents(): boolean {
    let moved = false;
    for (const task of [...this.tasks.values()]) {
      const node = this.nodes.get(task.nodeId);
      if (node === undefined || node.status.state === 'down') continue;
      const state = task.status.state;
      if (task.desiredState === 'running' && compareTaskStates(state, 'running') < 0) {
        if (this.now < task.status.timestamp + this.startDelayMs) continue;
        if (this.crashes(task)) this.setState(task.id, 'failed', 'exit status 1');
        else this.setState(task.id, 'running');
        moved = true;
      } else if (!live(task) && compareTaskStates(state, 'running') <= 0) {
        this.setState(task.id, 'shutdown');
        moved = true;
      }
    }
    return moved;
  }

  /**
   * Runs passes, the scheduler and the agents until nothing moves; follows `wakeAt` while it is at most
   * `until` (default: one hour ahead). Throws if it does not settle in `maxSteps`.
   */
  settle(until = this.now + 3_600_000, maxSteps = 2000): void {
    for (let step = 0; step < maxSteps; step++) {
      const result = this.pass();
      const placed = this.schedule();
      const moved = this.agents();
      if (result.taskChanges.length > 0 || result.serviceChange !== undefined || placed || moved) continue;
      if (result.wakeAt === undefined || result.wakeAt > until) return;
      this.now = result.wakeAt;
    }
    throw new Error(`did not settle in ${maxSteps} steps`);
  }

  /**
   * Runs the cluster for `durationMs` in steps of `stepMs`: at each step, passes, the scheduler and the
   * agents until nothing moves, then `observe` (e.g. to check an invariant), then the clock moves on.
   */
  runFor(durationMs: number, stepMs = 100, observe: () => void = () => {}): void {
    const end = this.now + durationMs;
    for (; this.now <= end; this.now += stepMs) {
      for (let i = 0; i < 100; i++) {
        const result = this.pass();
        observe();
        const placed = this.schedule();
        const moved = this.agents();
        if (result.taskChanges.length === 0 && result.serviceChange === undefined && !placed && !moved) break;
      }
    }
    this.now = end;
  }

  /** The live tasks, by slot then node. */
  liveTasks(): Task[] {
    return [...this.tasks.values()]
      .filter(live)
      .sort((a, b) => a.slot - b.slot || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /** `slot@node` for each live task, sorted. */
  placement(): string[] {
    return this.liveTasks().map(t => `${t.slot}@${t.nodeId}`);
  }
}
