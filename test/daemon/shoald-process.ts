/**
 * bin/shoald.ts as a real process, for tests whose outcome is the process's: it exits, with one line.
 * `shoaldProcesses()` keeps track of what it started, for one `cleanup()` from `after`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, socketClient, until, type SocketClient } from './helpers.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface Shoald {
  child: ChildProcess;
  /** Resolves once the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  running(): boolean;
}

export interface ShoaldProcesses {
  /** Starts bin/shoald.ts as its own process, as an operator would, with `extra` arguments. */
  start(dataDir: string, socket: string, extra?: string[]): Shoald;
  /** A client on a shoald's socket (closed by cleanup). */
  local(socket: string, service: 'Swarm' | 'Control'): SocketClient;
  /** Waits until shoald answers on its socket (failing at once if it exits instead). */
  ready(p: Shoald, socket: string): Promise<void>;
  /** Closes the clients, kills what still runs and waits for every process to end. */
  cleanup(): Promise<void>;
}

export function shoaldProcesses(): ShoaldProcesses {
  const procs: Shoald[] = [];
  const clients: SocketClient[] = [];
  const local = (socket: string, service: 'Swarm' | 'Control'): SocketClient => {
    // The helpers' deadline: Init (RSA keys, in a shoald beside the suite) took over 5 s on a loaded machine.
    const c = socketClient(socket, service);
    clients.push(c);
    return c;
  };
  return {
    start: (dataDir, socket, extra = []) => {
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
          // Imaginary tasks: a real data plane would be built in the namespace this test runs in (the root one).
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
      procs.push(p);
      return p;
    },
    local,
    ready: async (p, socket) => {
      const info = local(socket, 'Swarm');
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
    },
    cleanup: async () => {
      for (const c of clients.splice(0)) c.close();
      for (const p of procs.splice(0)) {
        if (p.running()) p.child.kill('SIGKILL');
        await p.exited;
      }
    },
  };
}

/**
 * A data folder `dir` of a single-manager cluster that shoald initialised (Init on 127.0.0.1) and was
 * then stopped with SIGTERM; `check` runs while it is up.
 */
export async function initialisedFolder(
  processes: ShoaldProcesses,
  dir: string,
  socket: string,
  check: () => void = () => undefined,
): Promise<string> {
  const p = processes.start(dir, socket);
  await processes.ready(p, socket);
  await processes.local(socket, 'Swarm').call('Init', {
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  check();
  await stop(p);
  return dir;
}

/** How `p` exited, failing the test if it has not within `ms`. */
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

/** Stops `p` as an operator would (SIGTERM): it must exit 0. */
export async function stop(p: Shoald): Promise<void> {
  p.child.kill('SIGTERM');
  assert.deepEqual(await exitOf(p), { code: 0, signal: null });
}

/** The one line a refused start must print: no stack trace, nothing else. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter(l => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return lines[0] ?? '';
}

/**
 * sha-256 of every file under `dir`, by relative path. LevelDB renames its informational log (LOG →
 * LOG.old) on every open attempt, before it reads anything, so those two are left out.
 */
export function snapshotOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name !== 'LOG' && e.name !== 'LOG.old') {
        out.set(relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
      }
    }
  };
  walk(dir);
  return out;
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
