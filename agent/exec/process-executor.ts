/**
 * The process executor: each task is a process in its own network namespace (the data plane's sandbox)
 * plus new uts, pid and mount namespaces, detached from the agent with its output in files, so tasks
 * outlive an agent killed with -9 and a restarted agent adopts them from `stateDir`. Lifecycle as the
 * test executor walks it: ACCEPTED, PREPARING (until the sandbox exists; its error is the status' err
 * while the data plane retries), READY when desired ready, STARTING, RUNNING; exit 0 → COMPLETE, other
 * codes → FAILED; desired past RUNNING → SIGTERM, SIGKILL after the grace period → SHUTDOWN.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { NotFoundError } from '../../lib/errors.ts';
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
import {
  catchesTerm,
  executableProblem,
  firstChild,
  procFacts,
  sameLiveProcess,
  taskArgv,
  taskEnv,
} from './task-process.ts';
import { listTaskDirs, TaskStateDir, type LocalCommand, type ProcessRecord } from './task-state-dir.ts';
import { messageOf } from '../../lib/message-of.ts';

export interface ProcessExecutorOptions {
  networking: TaskNetworking;
  /** Per task: `${stateDir}/${taskId}/` (process record, exit code, stdout.log, stderr.log). */
  stateDir: string;
  log: Logger;
  /** How often live tasks are checked in /proc. @default 50 */
  pollMs?: number;
}

/** A task's end as the executor saw it. */
export interface TaskResult {
  state: ExecState;
  /** The command's exit code; undefined when it never ran. */
  exitCode: number | undefined;
  err: string;
}

/** How a task the managers removed before it ended reads to whoever follows it. */
const REMOVED: TaskResult = { state: 'shutdown', exitCode: undefined, err: 'the task was removed' };

/** What `exec` gives back: the output of the command and how it ended. */
export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** A ref that names no task, or more than one. */
export class TaskRefError extends NotFoundError {
  override readonly name = 'TaskRefError';
}

const rank = execRank;
const ENDED = rank('complete');
const STOPPING = STOPPING_DESIRED;
const DEFAULT_GRACE_MS = 10_000;
/** Exit codes of a shell that could not run the command (126: not executable, 127: not found). */
const NOT_RUNNABLE = new Set([126, 127]);

interface Proc {
  dir: TaskStateDir;
  rec: ProcessRecord;
  /** Present for a process this instance spawned (its exit is an event, not only a /proc poll). */
  child: ChildProcess | undefined;
  /** The launch's own exit, when it is our child: the fallback when the wrapper wrote no code. */
  childExit: number | undefined;
  exited: boolean;
  killTimer: NodeJS.Timeout | undefined;
  /** The stop's SIGTERM went to the wrapper (it waits until the wrapper can take it). */
  termSent: boolean;
}

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
      this.removeStale(ids);
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
      this.removeStale(new Set());
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
    if (this.runs.has(ref)) return ref;
    const runs = [...this.runs.values()];
    const named = runs.filter(r => {
      const name = this.nameOf(r.task);
      return (
        name === ref ||
        (r.task.serviceId !== '' &&
          name.startsWith(`${ref}.`) &&
          name.split('.').length === ref.split('.').length + 1)
      );
    });
    if (named.length > 0) {
      const best = named.sort(
        (a, b) =>
          Number(b.state === 'running') - Number(a.state === 'running') ||
          b.task.createdAt - a.task.createdAt,
      )[0];
      if (best !== undefined) return best.task.id;
    }
    const byPrefix = runs.filter(r => r.task.id.startsWith(ref));
    if (byPrefix.length === 1 && byPrefix[0] !== undefined) return byPrefix[0].task.id;
    if (byPrefix.length > 1) throw new TaskRefError(`task ${ref} is ambiguous (${byPrefix.length} matches)`);
    throw new TaskRefError(`No such task: ${ref}`);
  }

  /**
   * Runs `argv` inside a running task's namespaces (net, uts, pid, mount), with the task's env, its
   * output piped. Throws TaskRefError for an unknown task, and Error for one not running.
   */
  async execProcess(ref: string, argv: readonly string[]): Promise<ChildProcess> {
    const run = this.runs.get(this.resolve(ref));
    const proc = run?.proc;
    if (run === undefined || proc === undefined || proc.exited) throw new Error(`task ${ref} is not running`);
    // Right after RUNNING the wrapper may not have forked the command yet (nor set the hostname).
    const deadline = Date.now() + 2_000;
    for (;;) {
      this.recordWrapper(proc);
      if (proc.rec.pid > 0 && firstChild(proc.rec.pid) !== undefined) break;
      if (proc.exited || Date.now() > deadline) throw new Error(`task ${ref} is not running`);
      await new Promise(r => setTimeout(r, 10));
    }
    const env = taskEnv(this.commandOf(run)?.env ?? [], this.nameOf(run.task));
    const args = ['-t', String(proc.rec.pid), '--net', '--uts', '--pid', '--mount', '--', ...argv];
    return spawn('nsenter', args, { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** `execProcess`, collected: its output and exit code (128+N when a signal ended it). */
  async exec(ref: string, argv: readonly string[]): Promise<ExecResult> {
    const child = await this.execProcess(ref, argv);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err),
          exitCode: code ?? 128 + (signal === null ? 0 : signalNumber(signal)),
        }),
      );
    });
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
    const dir = new TaskStateDir(this.o.stateDir, task.id);
    let rec = dir.readProcess();
    if (rec !== undefined && rec.pid <= 0) rec = this.wrapperOfLaunch(rec, dir);
    if (rec !== undefined) {
      run.state = 'running';
      run.proc = {
        dir,
        rec,
        child: undefined,
        childExit: undefined,
        exited: false,
        killTimer: undefined,
        termSent: false,
      };
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
    dir.create();
    const out = openSync(dir.stdoutPath, 'a');
    const err = openSync(dir.stderrPath, 'a');
    let child: ChildProcess;
    try {
      const [file, ...args] = taskArgv(sandbox.netns, hostname, dir.exitPath, cmd.argv);
      child = spawn(file ?? 'ip', args, { env, cwd: '/', detached: true, stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pgid = child.pid ?? 0;
    const launchStartTime = procFacts(pgid)?.startTime ?? 0;
    const proc: Proc = {
      dir,
      rec: { pid: 0, startTime: 0, pgid, launchStartTime, netns: sandbox.netns },
      child,
      childExit: undefined,
      exited: false,
      killTimer: undefined,
      termSent: false,
    };
    run.proc = proc;
    // Recorded at once: an agent killed before it saw the wrapper still leaves the launch to find.
    dir.writeProcess(proc.rec);
    child.on('error', e => {
      proc.childExit = 127;
      this.o.log.warn({ taskId: run.task.id, err: e.message }, 'task launch failed');
      this.poll();
    });
    child.on('exit', (code, signal) => {
      proc.childExit = code ?? 128 + (signal === null ? 0 : signalNumber(signal));
      this.poll();
    });
    this.recordWrapper(proc);
    this.report(run, 'running', 'started');
    this.watch();
  }

  /**
   * Finds and records the wrapper's host pid (the launch's child), which stop and exec need. Only while
   * the launch is our unreaped child: once reaped its pid may name another process (pids wrap).
   */
  private recordWrapper(proc: Proc): void {
    if (proc.rec.pid > 0 || proc.rec.pgid <= 0) return;
    if (proc.child === undefined || proc.childExit !== undefined) return;
    const pid = firstChild(proc.rec.pgid);
    const facts = pid === undefined ? undefined : procFacts(pid);
    if (pid === undefined || facts === undefined) return;
    proc.rec = { ...proc.rec, pid, startTime: facts.startTime };
    proc.dir.writeProcess(proc.rec);
  }

  /** SIGTERM to the command (through the wrapper), SIGKILL to all of it after the grace period. */
  private stop(run: Run): void {
    run.stopping = true;
    const proc = run.proc;
    if (proc === undefined || proc.exited || proc.killTimer !== undefined) return;
    this.terminate(proc);
    const grace = run.task.spec?.stopGracePeriodMs || DEFAULT_GRACE_MS;
    proc.killTimer = setTimeout(() => {
      if (proc.exited) return;
      this.o.log.info({ taskId: run.task.id }, 'task did not stop within its grace period: killed');
      if (proc.rec.pgid > 0) signal(-proc.rec.pgid, 'SIGKILL');
      if (proc.rec.pid > 0) signal(proc.rec.pid, 'SIGKILL');
    }, grace);
  }

  /**
   * The stop's SIGTERM, to the wrapper once it can take it: the wrapper is the init of the task's pid
   * namespace, which drops a SIGTERM until its trap is set, and a stop asked right after the start was
   * lost until the SIGKILL at the end of the grace period. Tried again at every poll until sent.
   */
  private terminate(proc: Proc): void {
    if (proc.termSent) return;
    this.recordWrapper(proc);
    const { pid, startTime } = proc.rec;
    if (!sameLiveProcess(pid, startTime) || !catchesTerm(pid)) return;
    signal(pid, 'SIGTERM');
    proc.termSent = true;
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

  /**
   * A record whose wrapper was never seen (the previous agent died right after the launch), completed
   * with the wrapper found now if the launch still runs; else undefined, and a launch that runs without
   * a wrapper yet is killed, so that nothing of the task is left behind.
   */
  private wrapperOfLaunch(rec: ProcessRecord, dir: TaskStateDir): ProcessRecord | undefined {
    if (!launchAlive(rec)) return undefined;
    const pid = firstChild(rec.pgid);
    const facts = pid === undefined ? undefined : procFacts(pid);
    if (pid === undefined || facts === undefined) {
      signal(-rec.pgid, 'SIGKILL');
      return undefined;
    }
    const found = { ...rec, pid, startTime: facts.startTime };
    dir.writeProcess(found);
    return found;
  }

  /** Folders of tasks no longer assigned (left by a previous agent): their live processes killed, then removed. */
  private removeStale(assigned: Set<string>): void {
    for (const id of listTaskDirs(this.o.stateDir)) {
      if (assigned.has(id)) continue;
      const dir = new TaskStateDir(this.o.stateDir, id);
      const rec = dir.readProcess();
      if (rec !== undefined && (sameLiveProcess(rec.pid, rec.startTime) || launchAlive(rec))) {
        this.o.log.info({ taskId: id, pid: rec.pid }, 'killing the process of a task no longer assigned');
        if (rec.pgid > 0) signal(-rec.pgid, 'SIGKILL');
        if (rec.pid > 0) signal(rec.pid, 'SIGKILL');
      }
      dir.remove();
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
      this.recordWrapper(proc);
      if (run.stopping) this.terminate(proc);
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
    if (run.stopping || STOPPING.has(run.task.desiredState)) {
      this.finish(run, 'shutdown', 'shut down', '', code);
    } else if (code === 0) {
      this.finish(run, 'complete', 'finished', '', code);
    } else if (NOT_RUNNABLE.has(code) && proc.dir.logs().stdout.length === 0) {
      const program = this.commandOf(run)?.argv[0] ?? '';
      const why =
        code === 127
          ? `exec: "${program}": executable file not found in $PATH`
          : `exec: "${program}": permission denied`;
      this.finish(run, 'failed', 'starting container failed', why, code);
    } else {
      this.finish(run, 'failed', 'task exited', `task exited with code ${code}`, code);
    }
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
    if (task.serviceId === '') {
      const name =
        this.local.get(task.id)?.name ||
        this.view.endpoints.find(e => e.taskId === task.id && e.name !== '')?.name ||
        '';
      return name === '' ? task.id : name;
    }
    // A service missing from the view (it has no network) is named by its id.
    const service = this.view.services.find(s => s.id === task.serviceId)?.name ?? task.serviceId;
    return `${service}.${task.slot === 0 ? task.nodeId : task.slot}.${task.id}`;
  }
}

/** Whether the record's launch (the group leader) still runs, by its start time. */
function launchAlive(rec: ProcessRecord): boolean {
  return rec.launchStartTime !== undefined && rec.pgid > 0 && sameLiveProcess(rec.pgid, rec.launchStartTime);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // 0 (or -0) would be this agent's own process group.
  if (pid === 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return constants.signals[sig] ?? 15;
}
