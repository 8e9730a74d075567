/** Running a command inside a running task (`shoal exec`), and collecting what it gives back. */
import { spawn, type ChildProcess } from 'node:child_process';
import { firstChild } from './task-process.ts';
import { recordWrapper, signalNumber, type Proc } from './task-launch.ts';

/** What `exec` gives back: the output of the command and how it ended. */
export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/**
 * Whether the task's command runs, waiting up to 2 s for it: right after RUNNING the wrapper may not have
 * forked the command yet (nor set the hostname).
 */
export async function commandForked(proc: Proc): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    recordWrapper(proc);
    if (proc.rec.pid > 0 && firstChild(proc.rec.pid) !== undefined) return true;
    if (proc.exited || Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 10));
  }
}

/** Runs `argv` inside the namespaces (net, uts, pid, mount) of the task whose wrapper is `pid`, its output piped. */
export function enterTask(pid: number, env: Record<string, string>, argv: readonly string[]): ChildProcess {
  const args = ['-t', String(pid), '--net', '--uts', '--pid', '--mount', '--', ...argv];
  return spawn('nsenter', args, { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What `child` wrote and its exit code (128+N when a signal ended it). */
export function collect(child: ChildProcess): Promise<ExecResult> {
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
