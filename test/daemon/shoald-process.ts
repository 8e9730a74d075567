/**
 * shoald as a real process, as an operator runs it: started with bin/shoald.ts, answered on its unix
 * socket, stopped with a signal or killed. Every process started here is ended by `killAll` (call it
 * from `after`), by PID, whether or not the test got that far.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { socketClient, until } from './helpers.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface Shoald {
  child: ChildProcess;
  /** Resolves once the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  running(): boolean;
}

const started: Shoald[] = [];

/**
 * Starts shoald on `dataDir` and `socket`, with a fast tick and imaginary tasks (a real data plane would
 * be built in the namespace the test runs in, the root one), and `extra` arguments.
 */
export function shoald(dataDir: string, socket: string, extra: string[] = []): Shoald {
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
      process.env.SHOAL_TEST_LOG ?? 'silent',
      '--tick-ms',
      '20',
      '--executor',
      'test',
      ...extra,
    ],
    { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const p: Shoald = {
    child,
    exited,
    stderr: () => stderr,
    running: () => child.exitCode === null && child.signalCode === null,
  };
  started.push(p);
  return p;
}

/** Waits until shoald answers on its socket (failing at once if it exits instead). */
export async function ready(p: Shoald, socket: string): Promise<void> {
  const info = socketClient(socket, 'Swarm', 5000);
  try {
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
  } finally {
    info.close();
  }
}

/** The process's exit, or a failure if it does not exit within `ms`. */
export async function exitOf(
  p: Shoald,
  ms = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shoald did not exit within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** kill -9, as a crash. */
export async function kill9(p: Shoald): Promise<void> {
  if (p.running()) p.child.kill('SIGKILL');
  await p.exited;
}

/** Ends every shoald this module started and is still running. */
export async function killAll(): Promise<void> {
  for (const p of started.splice(0)) await kill9(p);
}
