/**
 * A task's process as the process executor holds it: launched detached (a launch that forks the wrapper,
 * the init of the task's pid namespace, which runs the command), found again from its record on disk by a
 * restarted agent, signalled through the wrapper. Host-side only: the executor's lifecycle decides when.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { catchesTerm, firstChild, procFacts, sameLiveProcess, taskArgv } from './task-process.ts';
import { listTaskDirs, TaskStateDir, type ProcessRecord } from './task-state-dir.ts';

export interface Proc {
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

/**
 * Starts a task's command in its sandbox `netns`, detached from the agent, its output appended to `dir`'s
 * files; `onEnd` is called when the launch exits or could not start (`err`).
 */
export function launch(
  dir: TaskStateDir,
  netns: string,
  hostname: string,
  argv: readonly string[],
  env: Record<string, string>,
  onEnd: (err: Error | undefined) => void,
): Proc {
  dir.create();
  const out = openSync(dir.stdoutPath, 'a');
  const err = openSync(dir.stderrPath, 'a');
  let child: ChildProcess;
  try {
    const [file, ...args] = taskArgv(netns, hostname, dir.exitPath, argv);
    child = spawn(file ?? 'ip', args, { env, cwd: '/', detached: true, stdio: ['ignore', out, err] });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const pgid = child.pid ?? 0;
  const launchStartTime = procFacts(pgid)?.startTime ?? 0;
  const proc: Proc = {
    dir,
    rec: { pid: 0, startTime: 0, pgid, launchStartTime, netns },
    child,
    childExit: undefined,
    exited: false,
    killTimer: undefined,
    termSent: false,
  };
  // Recorded at once: an agent killed before it saw the wrapper still leaves the launch to find.
  dir.writeProcess(proc.rec);
  child.on('error', e => {
    proc.childExit = 127;
    onEnd(e);
  });
  child.on('exit', (code, signal) => {
    proc.childExit = code ?? 128 + (signal === null ? 0 : signalNumber(signal));
    onEnd(undefined);
  });
  return proc;
}

/**
 * Finds and records the wrapper's host pid (the launch's child), which stop and exec need. Only while
 * the launch is our unreaped child: once reaped its pid may name another process (pids wrap).
 */
export function recordWrapper(proc: Proc): void {
  if (proc.rec.pid > 0 || proc.rec.pgid <= 0) return;
  if (proc.child === undefined || proc.childExit !== undefined) return;
  const pid = firstChild(proc.rec.pgid);
  const facts = pid === undefined ? undefined : procFacts(pid);
  if (pid === undefined || facts === undefined) return;
  proc.rec = { ...proc.rec, pid, startTime: facts.startTime };
  proc.dir.writeProcess(proc.rec);
}

/**
 * The stop's SIGTERM, to the wrapper once it can take it: the wrapper is the init of the task's pid
 * namespace, which drops a SIGTERM until its trap is set, and a stop asked right after the start was
 * lost until the SIGKILL at the end of the grace period. Tried again at every poll until sent.
 */
export function terminate(proc: Proc): void {
  if (proc.termSent) return;
  recordWrapper(proc);
  const { pid, startTime } = proc.rec;
  if (!sameLiveProcess(pid, startTime) || !catchesTerm(pid)) return;
  signal(pid, 'SIGTERM');
  proc.termSent = true;
}

/**
 * The process a previous agent left for the task of `dir`, from its record (its wrapper found now if the
 * record has none), or undefined if none was recorded or its launch is gone.
 */
export function leftProcess(dir: TaskStateDir): Proc | undefined {
  let rec = dir.readProcess();
  if (rec !== undefined && rec.pid <= 0) rec = wrapperOfLaunch(rec, dir);
  if (rec === undefined) return undefined;
  return {
    dir,
    rec,
    child: undefined,
    childExit: undefined,
    exited: false,
    killTimer: undefined,
    termSent: false,
  };
}

/** SIGKILL to all of the task (the launch's group and the wrapper) after `graceMs`, unless it has ended. */
export function killAfter(proc: Proc, graceMs: number, onKill: () => void): void {
  proc.killTimer = setTimeout(() => {
    if (proc.exited) return;
    onKill();
    if (proc.rec.pgid > 0) signal(-proc.rec.pgid, 'SIGKILL');
    if (proc.rec.pid > 0) signal(proc.rec.pid, 'SIGKILL');
  }, graceMs);
}

/**
 * A record whose wrapper was never seen (the previous agent died right after the launch), completed
 * with the wrapper found now if the launch still runs; else undefined, and a launch that runs without
 * a wrapper yet is killed, so that nothing of the task is left behind.
 */
function wrapperOfLaunch(rec: ProcessRecord, dir: TaskStateDir): ProcessRecord | undefined {
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
export function removeStaleTasks(stateDir: string, log: Logger, assigned: Set<string>): void {
  for (const id of listTaskDirs(stateDir)) {
    if (assigned.has(id)) continue;
    const dir = new TaskStateDir(stateDir, id);
    const rec = dir.readProcess();
    if (rec !== undefined && (sameLiveProcess(rec.pid, rec.startTime) || launchAlive(rec))) {
      log.info({ taskId: id, pid: rec.pid }, 'killing the process of a task no longer assigned');
      if (rec.pgid > 0) signal(-rec.pgid, 'SIGKILL');
      if (rec.pid > 0) signal(rec.pid, 'SIGKILL');
    }
    dir.remove();
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

export function signalNumber(sig: NodeJS.Signals): number {
  return constants.signals[sig] ?? 15;
}
