import type { ExecState } from './executor.ts';
import type { TaskStateDir } from './task-state-dir.ts';

/** Exit codes of a shell that could not run the command (126: not executable, 127: not found). */
const NOT_RUNNABLE = new Set([126, 127]);

/** A task's end as the executor saw it. */
export interface TaskResult {
  state: ExecState;
  /** The command's exit code; undefined when it never ran. */
  exitCode: number | undefined;
  err: string;
}

/** How a task the managers removed before it ended reads to whoever follows it. */
export const REMOVED: TaskResult = { state: 'shutdown', exitCode: undefined, err: 'the task was removed' };

/** How a task ends, as its status reads. */
export interface TaskEnd {
  state: ExecState;
  message: string;
  err: string;
}

/**
 * How a task whose process ended with `code` ends: SHUTDOWN when it was being stopped, COMPLETE on 0, else
 * FAILED, with Docker's texts when the shell could not run the command (`program`) at all.
 */
export function taskEnd(code: number, stopping: boolean, dir: TaskStateDir, program: () => string): TaskEnd {
  if (stopping) return { state: 'shutdown', message: 'shut down', err: '' };
  if (code === 0) return { state: 'complete', message: 'finished', err: '' };
  if (NOT_RUNNABLE.has(code) && dir.logs().stdout.length === 0) {
    const why =
      code === 127
        ? `exec: "${program()}": executable file not found in $PATH`
        : `exec: "${program()}": permission denied`;
    return { state: 'failed', message: 'starting container failed', err: why };
  }
  return { state: 'failed', message: 'task exited', err: `task exited with code ${code}` };
}
