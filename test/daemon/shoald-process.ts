/**
 * shoald as a process of its own, as an operator starts it: for tests whose outcome is "shoald exits",
 * or that measure the process (its memory). The caller kills what it started, by PID, in `after`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { until, type SocketClient } from './helpers.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface Shoald {
  child: ChildProcess;
  /** Resolves once the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  running(): boolean;
}

/** Starts bin/shoald.ts with its data in `dataDir` and its CLI socket at `socket` (test executor, fast ticks). */
export function startShoald(dataDir: string, socket: string): Shoald {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the child is a daemon, not a test file
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/shoald.ts',
      '--data-dir',
      dataDir,
      '--socket',
      socket,
      '--log-level',
      'silent',
      '--tick-ms',
      '20',
      // Imaginary tasks: a real data plane would be built in the namespace this test runs in (the root one).
      '--executor',
      'test',
    ],
    { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Waits until shoald answers `info` (a Swarm client of its socket), failing at once if it exits instead. */
export async function untilAnswering(p: Shoald, info: SocketClient): Promise<void> {
  await until(
    'shoald to answer on its socket',
    async () => {
      if (!p.running()) assert.fail(`shoald exited early: ${p.stderr()}`);
      return info.call('Info', {}).then(
        () => true,
        () => false,
      );
    },
    15_000,
  );
}

/** The process's resident memory now and at its peak so far, in bytes (Linux: /proc). */
export function residentMemory(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (m?.[1] === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { now: kib('VmRSS'), peak: kib('VmHWM') };
}
