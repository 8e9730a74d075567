/**
 * The process executor: each task is a process in its own network namespace (the data plane's sandbox)
 * plus new uts, pid and mount namespaces, detached from the agent with its output in files, so tasks
 * outlive an agent killed with -9 and a restarted agent adopts them from `stateDir`. Lifecycle as the
 * test executor walks it: ACCEPTED, PREPARING (until the sandbox exists; its error is the status' err
 * while the data plane retries), READY when desired ready, STARTING, RUNNING; exit 0 → COMPLETE, other
 * codes → FAILED; desired past RUNNING → SIGTERM, SIGKILL after the grace period → SHUTDOWN.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import type { TaskNetworking, SandboxUpdate } from '../network/sandbox.ts';
import {
  execRank,
  STOPPING_DESIRED,
  type AssignedTask,
  type ExecState,
  type ExecStatus,
  type Executor,
  type LogTask,
  type StatusListener,
  type TaskLogSource,
} from './executor.ts';
import { executableProblem, sameLiveProcess, taskEnv } from './task-process.ts';
import { TaskStateDir, type LocalCommand } from './task-state-dir.ts';
import { messageOf } from '../../lib/message-of.ts';
import {
  killAfter,
  launch,
  leftProcess,
  recordWrapper,
  removeStaleTasks,
  terminate,
  type Proc,
} from './task-launch.ts';
import { collect, commandForked, enterTask, type ExecResult } from './task-exec.ts';
import { REMOVED, taskEnd, type TaskResult } from './task-end.ts';

export type { TaskResult } from './task-end.ts';
import { resolveTaskRef, taskName } from './task-refs.ts';

export { TaskRefError } from './task-refs.ts';
export type { ExecResult } from './task-exec.ts';

export interface ProcessExecutorOptions {
  networking: TaskNetworking;
  /** Per task: `${stateDir}/${taskId}/` (process record, exit code, stdout.log, stderr.log). */
  stateDir: string;
  log: Logger;
  /** How often live tasks are checked in /proc. @default 50 */
  pollMs?: number;
}

const rank = execRank;
const ENDED = rank('complete');
const STOPPING = STOPPING_DESIRED;
const DEFAULT_GRACE_MS = 10_000;

interface Run {
  task: AssignedTask;
  state: ExecState | '';
  /** The sandbox error last reported with PREPARING. */
  prepErr: string;
  proc: Proc | undefined;
  /** Stop was asked (desired past RUNNING, or forgotten): the end is SHUTDOWN, not complete/failed. */
  stopping: boolean;
  result: TaskResult | undefined;
  /** No longer assigned: reports nothing, its folder goes once its process is gone. */
  forgotten: boolean;
}

export class ProcessExecutor implements Executor, TaskLogSource {
  private readonly runs = new Map<string, Run>();
  /** Runs forgotten while their process still ran: kept until it is gone. */
  private readonly dying = new Set<Run>();
  private readonly listeners = new Set<StatusListener>();
  private readonly local = new Map<string, LocalCommand>();
  /** Tasks someone streams the output of (`shoal run`), and how many streams each. */
  private readonly followers = new Map<string, number>();
  /** Followed runs the managers removed already: their result and logs stay until the last follower leaves. */
  private readonly departed = new Map<string, Run>();
  private view: NetworkView = { networks: [], nodes: [], services: [], endpoints: [], gatewaySubnet: '' };
  private readonly unsubscribe: () => void;
  private poller: NodeJS.Timeout | undefined;
  private scannedDisk = false;
  private closed = false;

  constructor(private readonly o: ProcessExecutorOptions) {
    mkdirSync(o.stateDir, { recursive: true });
    this.unsubscribe = o.networking.onSandbox(ev => {
      if (ev.kind === 'added') {
        const run = this.runs.get(ev.sandbox.taskId);
        if (run !== undefined) this.tryStart(run);
      }
    });
  }

  apply(tasks: readonly AssignedTask[], view: NetworkView): void {
    if (this.closed) return;
    this.view = view;
    const ids = new Set(tasks.map(t => t.id));
    for (const [id, run] of this.runs) {
      if (!ids.has(id)) this.forget(run);
    }
    if (!this.scannedDisk) {
      this.scannedDisk = true;
      removeStaleTasks(this.o.stateDir, this.o.log, ids);
    }
    for (const task of tasks) {
      let run = this.runs.get(task.id);
      if (run === undefined) {
        run = this.adopt(task);
        this.runs.set(task.id, run);
      }
      run.task = task;
      this.advance(run);
    }
    this.sync();
  }

  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Stopped before its first assignments (npm start's Ctrl-C right after a restart), it has adopted
    // nothing yet: what a previous agent left running is still its to end.
    if (!this.scannedDisk) {
      this.scannedDisk = true;
      removeStaleTasks(this.o.stateDir, this.o.log, new Set());
    }
    const procs = [...this.runs.values(), ...this.dying].flatMap(r => (r.proc === undefined ? [] : [r]));
    for (const run of procs) this.stop(run);
    const deadline = Date.now() + DEFAULT_GRACE_MS + 2_000;
    while (procs.some(r => r.proc !== undefined && !r.proc.exited) && Date.now() < deadline) {
      this.poll();
      await new Promise(r => setTimeout(r, this.o.pollMs ?? 50));
    }
    clearInterval(this.poller);
    this.unsubscribe();
    this.listeners.clear();
    this.runs.clear();
    this.departed.clear();
    this.dying.clear();
    await this.o.networking.update(this.view, []).catch(() => undefined);
  }

  /**
   * Lets go of everything without stopping any task, as an agent killed with -9 would (tests, and a
   * daemon that restarts in place): the processes run on and a new executor on the same stateDir adopts them.
   */
  abandon(): void {
    this.closed = true;
    clearInterval(this.poller);
    for (const run of this.runs.values()) {
      clearTimeout(run.proc?.killTimer);
      run.proc?.child?.unref();
    }
    this.unsubscribe();
    this.listeners.clear();
    this.runs.clear();
    this.departed.clear();
  }

  /**
   * Gives a standalone task (`shoal run`) its command: the managers keep none for it. The task starts
   * once it is assigned and its sandbox exists; the command is kept on disk for a restarted agent.
   */
  provide(taskId: string, cmd: LocalCommand): void {
    this.local.set(taskId, cmd);
    new TaskStateDir(this.o.stateDir, taskId).writeCommand(cmd);
    const run = this.runs.get(taskId);
    if (run !== undefined) this.tryStart(run);
  }

  /** Whether `taskId` is a standalone task (`shoal run`) this node gave a command to. */
  isStandalone(taskId: string): boolean {
    return this.local.has(taskId);
  }

  /** The tasks it holds and their last state. */
  tasks(): Map<string, { task: AssignedTask; state: ExecState | '' }> {
    return new Map([...this.runs].map(([id, r]) => [id, { task: r.task, state: r.state }]));
  }

  /** How a task ended, once it has. */
  result(taskId: string): TaskResult | undefined {
    return (this.runs.get(taskId) ?? this.departed.get(taskId))?.result;
  }

  /**
   * Keeps the task's result and logs for a reader until the returned release is called: a standalone
   * task detaches as it ends, and the managers may remove it before its output has been read.
   */
  follow(taskId: string): () => void {
    this.followers.set(taskId, (this.followers.get(taskId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.followers.get(taskId) ?? 1) - 1;
      if (left > 0) {
        this.followers.set(taskId, left);
        return;
      }
      this.followers.delete(taskId);
      const run = this.departed.get(taskId);
      if (run === undefined) return;
      this.departed.delete(taskId);
      // A process still stopping removes its folder when it ends.
      if (run.proc === undefined || run.proc.exited) new TaskStateDir(this.o.stateDir, taskId).remove();
    };
  }

  /** The tasks it holds, and where their output is (`service logs`). */
  logTasks(): LogTask[] {
    return [...this.runs.values()].map(r => ({
      id: r.task.id,
      serviceId: r.task.serviceId,
      ...this.logPaths(r.task.id),
    }));
  }

  /** Where a task's output goes (the files may not exist before it starts). */
  logPaths(taskId: string): { stdout: string; stderr: string } {
    const dir = new TaskStateDir(this.o.stateDir, taskId);
    return { stdout: dir.stdoutPath, stderr: dir.stderrPath };
  }

  /** The task's output so far. */
  logs(taskId: string): { stdout: Buffer; stderr: Buffer } {
    return new TaskStateDir(this.o.stateDir, taskId).logs();
  }

  /**
   * The task id a ref names: a task id, a unique id prefix, `service.slot` (the running one, else the
   * newest), or a standalone task's name. Throws TaskRefError when it names none or several.
   */
  resolve(ref: string): string {
    return resolveTaskRef(ref, [...this.runs.values()], task => this.nameOf(task));
  }

  /**
   * Runs `argv` inside a running task's namespaces (net, uts, pid, mount), with the task's env, its
   * output piped. Throws TaskRefError for an unknown task, and Error for one not running.
   */
  async execProcess(ref: string, argv: readonly string[]): Promise<ChildProcess> {
    const run = this.runs.get(this.resolve(ref));
    const proc = run?.proc;
    if (run === undefined || proc === undefined || proc.exited) throw new Error(`task ${ref} is not running`);
    if (!(await commandForked(proc))) throw new Error(`task ${ref} is not running`);
    const env = taskEnv(this.commandOf(run)?.env ?? [], this.nameOf(run.task));
    return enterTask(proc.rec.pid, env, argv);
  }

  /** `execProcess`, collected: its output and exit code (128+N when a signal ended it). */
  async exec(ref: string, argv: readonly string[]): Promise<ExecResult> {
    return collect(await this.execProcess(ref, argv));
  }

  // ---- lifecycle ----

  /** A task new to this instance: started afresh, or adopted from what a previous agent left on disk. */
  private adopt(task: AssignedTask): Run {
    const run: Run = {
      task,
      state: '',
      prepErr: '',
      proc: undefined,
      stopping: false,
      result: undefined,
      forgotten: false,
    };
    const seen = task.status?.state ?? '';
    if (rank(seen) >= ENDED) {
      run.state = seen as ExecState;
      return run;
    }
    const proc = leftProcess(new TaskStateDir(this.o.stateDir, task.id));
    if (proc !== undefined) {
      const { rec } = proc;
      run.state = 'running';
      run.proc = proc;
      if (sameLiveProcess(rec.pid, rec.startTime)) {
        this.o.log.info({ taskId: task.id, pid: rec.pid }, 'task process adopted');
        this.report(run, 'running', 'adopted after an agent restart');
        this.watch();
      } else {
        this.ended(run);
      }
    } else if (rank(seen) >= rank('starting')) {
      // The managers saw it start, but no process was recorded here: it is gone with the old agent.
      this.finish(
        run,
        'failed',
        'task process lost',
        'task process not found after an agent restart',
        undefined,
      );
    }
    return run;
  }

  /** Moves a run toward what its desired state asks, as far as it can now. */
  private advance(run: Run): void {
    if (run.forgotten || (run.state !== '' && rank(run.state) >= ENDED)) return;
    if (STOPPING.has(run.task.desiredState)) {
      if (run.proc !== undefined && !run.proc.exited) this.stop(run);
      else this.finish(run, 'shutdown', 'shut down', '', undefined);
      return;
    }
    if (run.state === '') this.report(run, 'accepted', 'accepted');
    if (run.state === 'accepted') this.report(run, 'preparing', 'preparing');
    this.tryStart(run);
  }

  /** Starts a prepared run once its sandbox exists (READY only, when it is desired ready). */
  private tryStart(run: Run): void {
    if (this.closed || run.forgotten || STOPPING.has(run.task.desiredState)) return;
    if (run.state !== 'preparing' && run.state !== 'ready') return;
    const sandbox = this.o.networking.sandbox(run.task.id);
    if (sandbox === undefined) return;
    if (run.task.desiredState === 'ready') {
      if (run.state !== 'ready') this.report(run, 'ready', 'ready');
      return;
    }
    const cmd = this.commandOf(run);
    if (cmd === undefined) return; // a standalone task whose command is not given yet
    const hostname = this.nameOf(run.task);
    const env = taskEnv(cmd.env, hostname);
    this.report(run, 'starting', 'starting');
    const problem = executableProblem(cmd.argv[0], env.PATH ?? '');
    if (problem !== undefined) {
      this.finish(run, 'failed', 'starting container failed', problem, undefined);
      this.sync();
      return;
    }
    const dir = new TaskStateDir(this.o.stateDir, run.task.id);
    const proc = launch(dir, sandbox.netns, hostname, cmd.argv, env, err => {
      if (err !== undefined) this.o.log.warn({ taskId: run.task.id, err: err.message }, 'task launch failed');
      this.poll();
    });
    run.proc = proc;
    recordWrapper(proc);
    this.report(run, 'running', 'started');
    this.watch();
  }

  /** SIGTERM to the command (through the wrapper), SIGKILL to all of it after the grace period. */
  private stop(run: Run): void {
    run.stopping = true;
    const proc = run.proc;
    if (proc === undefined || proc.exited || proc.killTimer !== undefined) return;
    terminate(proc);
    const grace = run.task.spec?.stopGracePeriodMs || DEFAULT_GRACE_MS;
    killAfter(proc, grace, () =>
      this.o.log.info({ taskId: run.task.id }, 'task did not stop within its grace period: killed'),
    );
  }

  private forget(run: Run): void {
    run.forgotten = true;
    this.runs.delete(run.task.id);
    const followed = this.followers.has(run.task.id);
    if (followed) this.departed.set(run.task.id, run);
    if (run.proc !== undefined && !run.proc.exited) {
      this.dying.add(run);
      this.stop(run);
    } else {
      run.result ??= REMOVED;
      if (!followed) new TaskStateDir(this.o.stateDir, run.task.id).remove();
    }
  }

  private watch(): void {
    if (this.poller !== undefined || this.closed) return;
    this.poller = setInterval(() => this.poll(), this.o.pollMs ?? 50);
    this.poller.unref();
  }

  /** Looks at every live process: the ones gone have ended. */
  private poll(): void {
    let live = 0;
    for (const run of [...this.runs.values(), ...this.dying]) {
      const proc = run.proc;
      if (proc === undefined || proc.exited) continue;
      const gone =
        proc.child !== undefined
          ? proc.childExit !== undefined
          : !sameLiveProcess(proc.rec.pid, proc.rec.startTime);
      if (gone) {
        this.ended(run);
        continue;
      }
      recordWrapper(proc);
      if (run.stopping) terminate(proc);
      live++;
    }
    if (live === 0 && !this.closed) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  /** The process of `run` is gone: its state from how it ended. */
  private ended(run: Run): void {
    const proc = run.proc;
    if (proc === undefined) return;
    proc.exited = true;
    clearTimeout(proc.killTimer);
    // No code written: the wrapper was killed (SIGKILL after the grace period, or from outside).
    const code = proc.dir.readExitCode() ?? proc.childExit ?? 137;
    if (run.forgotten) {
      this.dying.delete(run);
      run.result ??= { ...REMOVED, exitCode: code };
      if (!this.departed.has(run.task.id)) proc.dir.remove();
      this.sync();
      return;
    }
    const stopping = run.stopping || STOPPING.has(run.task.desiredState);
    const end = taskEnd(code, stopping, proc.dir, () => this.commandOf(run)?.argv[0] ?? '');
    this.finish(run, end.state, end.message, end.err, code);
    this.sync();
  }

  private finish(
    run: Run,
    state: ExecState,
    message: string,
    err: string,
    exitCode: number | undefined,
  ): void {
    run.result = { state, exitCode, err };
    this.report(run, state, message, err);
  }

  /** Tells the data plane which tasks need a sandbox now; reports the ones it could not build. */
  private sync(): void {
    if (this.closed) return;
    const need = [...this.runs.values(), ...this.dying]
      .filter(r =>
        r.proc !== undefined
          ? !r.proc.exited
          : !r.forgotten && rank(r.state) < ENDED && !STOPPING.has(r.task.desiredState),
      )
      .map(r => r.task);
    this.o.networking.update(this.view, need).then(
      res => this.afterUpdate(res),
      (e: unknown) => this.o.log.warn({ err: messageOf(e) }, 'network update failed'),
    );
  }

  private afterUpdate(res: SandboxUpdate): void {
    if (this.closed) return;
    for (const [id, err] of res.failed) {
      const run = this.runs.get(id);
      if (run === undefined || run.state !== 'preparing' || run.prepErr === err) continue;
      run.prepErr = err;
      this.report(run, 'preparing', 'network sandbox not ready', err);
    }
    for (const run of this.runs.values()) this.tryStart(run);
  }

  private report(run: Run, state: ExecState, message: string, err = ''): void {
    run.state = state;
    if (run.forgotten) return;
    const status: ExecStatus = { state, timestamp: Date.now(), message, err };
    for (const l of this.listeners) l(run.task.id, status);
  }

  // ---- what a task is ----

  private commandOf(run: Run): LocalCommand | undefined {
    const spec = run.task.spec;
    if (spec !== undefined && spec !== null && spec.command.length > 0) {
      return { argv: [...spec.command, ...spec.args], env: spec.env, name: '' };
    }
    const local = this.local.get(run.task.id) ?? new TaskStateDir(this.o.stateDir, run.task.id).readCommand();
    if (local !== undefined) this.local.set(run.task.id, local);
    return local;
  }

  private nameOf(task: AssignedTask): string {
    return taskName(task, this.local.get(task.id)?.name, this.view);
  }
}
