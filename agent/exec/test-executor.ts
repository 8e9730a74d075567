/**
 * A test executor: tasks are imaginary, but walk the real lifecycle behind the real Executor interface.
 * Each task new to it goes ACCEPTED → PREPARING → STARTING → RUNNING, one step every `stepMs` (a task
 * desired READY stops at READY until it is desired RUNNING); a task
 * chosen to fail goes to FAILED instead of RUNNING; a task whose desired state is past RUNNING goes to
 * SHUTDOWN (or was never started); a running task can be made to fail (`crash`) or complete (`finish`)
 * later. It stands in for the process executor (a later issue) in daemons and tests.
 */
import {
  execRank,
  STOPPING_DESIRED,
  type AssignedTask,
  type ExecState,
  type ExecStatus,
  type Executor,
  type StatusListener,
} from './executor.ts';

export interface TestExecutorOptions {
  /** Time between two lifecycle steps of a task. @default 10 */
  stepMs?: number;
  /** Tasks that fail when they would start: the error text, or undefined for a task that runs. @default none fail */
  fail?: (task: AssignedTask) => string | undefined;
}

const rank = execRank;
const WALK: readonly ExecState[] = ['accepted', 'preparing', 'starting', 'running'];
/** Desired READY: prepared, not started (the task it replaces may still run). */
const PREPARE: readonly ExecState[] = ['accepted', 'preparing', 'ready'];
const STOPPING = STOPPING_DESIRED;

interface Run {
  task: AssignedTask;
  /** The last state reported (or adopted from the assignment); '' before any. */
  state: ExecState | '';
  timer: NodeJS.Timeout | undefined;
}

export class TestExecutor implements Executor {
  private readonly runs = new Map<string, Run>();
  private readonly listeners = new Set<StatusListener>();
  private readonly stepMs: number;
  private closed = false;

  constructor(private readonly o: TestExecutorOptions = {}) {
    this.stepMs = o.stepMs ?? 10;
  }

  apply(tasks: readonly AssignedTask[]): void {
    if (this.closed) return;
    const ids = new Set(tasks.map(t => t.id));
    for (const [id, run] of this.runs) {
      if (ids.has(id)) continue;
      clearTimeout(run.timer);
      this.runs.delete(id);
    }
    for (const task of tasks) {
      let run = this.runs.get(task.id);
      if (run === undefined) {
        // A task the managers saw further along (this agent restarted): adopt its state.
        const seen = rank(task.status?.state ?? '') >= 0 ? (task.status.state as ExecState) : '';
        run = { task, state: seen, timer: undefined };
        this.runs.set(task.id, run);
      }
      run.task = task;
      this.advance(run);
    }
  }

  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.runs.values()) clearTimeout(run.timer);
    this.runs.clear();
    this.listeners.clear();
    return Promise.resolve();
  }

  /** The tasks it holds, with the last state of each (tests look here). */
  tasks(): Map<string, { task: AssignedTask; state: ExecState | '' }> {
    return new Map([...this.runs].map(([id, r]) => [id, { task: r.task, state: r.state }]));
  }

  /** Makes a running (or starting) task fail now, as a process that died would. */
  crash(taskId: string, err = 'test executor: task crashed'): void {
    const run = this.runs.get(taskId);
    if (run === undefined || rank(run.state) > rank('running')) return;
    clearTimeout(run.timer);
    run.timer = undefined;
    this.report(run, 'failed', 'task crashed', err);
  }

  /** Makes a running task complete now, as a process that exited 0 would. */
  finish(taskId: string): void {
    const run = this.runs.get(taskId);
    if (run === undefined || run.state !== 'running') return;
    this.report(run, 'complete', 'finished');
  }

  /** Schedules the next step of `run` toward what its desired state asks, if any. */
  private advance(run: Run): void {
    if (run.timer !== undefined) return;
    const next = this.nextState(run);
    if (next === undefined) return;
    run.timer = setTimeout(() => {
      run.timer = undefined;
      if (this.closed || this.runs.get(run.task.id) !== run) return;
      const now = this.nextState(run);
      if (now === undefined) return;
      const failure = now === 'running' ? this.o.fail?.(run.task) : undefined;
      if (failure !== undefined) this.report(run, 'failed', 'starting failed', failure);
      else this.report(run, now, now === 'shutdown' ? 'shut down' : now);
      this.advance(run);
    }, this.stepMs);
  }

  private nextState(run: Run): ExecState | undefined {
    const cur = run.state;
    if (cur !== '' && rank(cur) > rank('running')) return undefined;
    if (STOPPING.has(run.task.desiredState)) return 'shutdown';
    if (cur === 'running') return undefined;
    if (run.task.desiredState === 'ready') {
      return cur === ''
        ? PREPARE[0]
        : rank(cur) < rank('ready')
          ? PREPARE[PREPARE.indexOf(cur) + 1]
          : undefined;
    }
    const i = cur === '' ? 0 : WALK.indexOf(cur) + 1;
    // A state this executor does not walk through (ready): go on from the next one it does.
    return WALK[i > 0 ? i : WALK.findIndex(s => rank(s) > rank(cur))] ?? undefined;
  }

  private report(run: Run, state: ExecState, message: string, err = ''): void {
    run.state = state;
    const status: ExecStatus = { state, timestamp: Date.now(), message, err };
    for (const l of this.listeners) l(run.task.id, status);
  }
}
