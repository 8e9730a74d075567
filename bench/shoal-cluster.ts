/**
 * Three (or n) real shoald processes on 127.0.0.1 for the benchmarks: each with its own data folder
 * and unix socket under one temp folder, formed into a cluster of managers with the manager token,
 * and called through their local sockets as the CLI calls them. `destroy()` ends every process this
 * class started (by PID) and removes the folder; it is safe to call after a failure, and twice.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clientOf, loadShoalPackage, unaryCall } from '../proto/load.ts';
import { messageOf } from '../lib/message-of.ts';

const repo = resolve(import.meta.dirname, '..');
const pkg = loadShoalPackage('control.proto');

/** A unary call on a local socket; rejects with the grpc ServiceError. */
export type Rpc = (method: string, req: object, timeoutMs?: number) => Promise<Record<string, unknown>>;

interface WireNode {
  hostname: string;
  managerStatus: string;
}

/**
 * A restarted daemon comes back on the same socket path: the default reconnect backoff (1 s, growing)
 * would add its own delay to the figures.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 20,
  'grpc.min_reconnect_backoff_ms': 20,
  'grpc.max_reconnect_backoff_ms': 100,
};

/** How long forming the cluster may take per call (init, each join, settling). */
const FORM_CALL_MS = 60_000;

class SocketClients {
  private readonly clients = new Map<string, grpc.Client>();
  constructor(private readonly socket: string) {}

  rpc(service: 'Swarm' | 'Control'): Rpc {
    return (method, req, timeoutMs = 15_000) => {
      let c = this.clients.get(service);
      if (c === undefined) {
        const Client = clientOf(pkg, service);
        c = new Client(`unix:${this.socket}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
        this.clients.set(service, c);
      }
      return unaryCall(c, method, req, { deadline: Date.now() + timeoutMs });
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

interface Member {
  child: ChildProcess;
  exited: Promise<void>;
  clients: SocketClients;
}

export class ShoalCluster {
  /** Everything lives here: data folders, sockets, logs. */
  readonly dir = mkdtempSync(join(tmpdir(), 'shoal-bench-'));
  private readonly members = new Map<number, Member>();

  /** @param basePort node i listens on 127.0.0.1:(basePort + i - 1). */
  constructor(
    readonly size: number,
    readonly basePort: number,
  ) {}

  /** 1..size. */
  get indexes(): number[] {
    return Array.from({ length: this.size }, (_, k) => k + 1);
  }

  addr(i: number): string {
    return `127.0.0.1:${this.basePort + i - 1}`;
  }

  /** Node i's process id, while it runs. */
  pid(i: number): number | undefined {
    return this.members.get(i)?.child.pid;
  }

  private socket(i: number): string {
    return join(this.dir, `n${i}.sock`);
  }

  /** Starts shoald i from its data folder (new or existing) with default timing; logs go to n<i>.log. */
  start(i: number): void {
    if (this.members.has(i)) throw new Error(`bench: shoald ${i} is already running`);
    const out = openSync(join(this.dir, `n${i}.log`), 'a');
    const child = spawn(
      process.execPath,
      [
        // e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the daemons under load.
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== ''),
        '--import',
        'tsx',
        'bin/shoald.ts',
        '--data-dir',
        join(this.dir, `n${i}`),
        '--socket',
        this.socket(i),
        '--hostname',
        `bench${i}`,
        '--log-level',
        'warn',
        // Imaginary tasks: these daemons run on loopback in this namespace, where no data plane belongs.
        '--executor',
        'test',
        // e.g. BENCH_SHOALD_ARGS='--tick-ms 1000' for Swarm's Raft timing (about 10 s to an election).
        ...(process.env.BENCH_SHOALD_ARGS ?? '').split(' ').filter(a => a !== ''),
      ],
      { cwd: repo, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    const exited = new Promise<void>(r => child.once('exit', () => r()));
    this.members.set(i, { child, exited, clients: new SocketClients(this.socket(i)) });
  }

  /** Calls on node i's local socket (the daemon's own API, as the CLI uses it). */
  rpc(i: number, service: 'Swarm' | 'Control'): Rpc {
    const m = this.members.get(i);
    if (m === undefined) throw new Error(`bench: shoald ${i} is not running`);
    return m.clients.rpc(service);
  }

  /**
   * Starts every node (`started` hears of each), inits on node 1 (with `init`'s extra fields) and joins
   * the others as managers; resolves with Init's answer once all are settled.
   */
  async form(
    init: object = {},
    started: (i: number) => void = () => undefined,
  ): Promise<Record<string, unknown>> {
    for (const i of this.indexes) {
      this.start(i);
      started(i);
    }
    for (const i of this.indexes)
      await until(`shoald ${i} to answer`, () => this.rpc(i, 'Swarm')('Info', {}));
    // Init waits for the first election: 10-20 s at Swarm's 1 s tick (BENCH_SHOALD_ARGS='--tick-ms 1000').
    const answer = await this.rpc(1, 'Swarm')(
      'Init',
      { listenAddr: this.addr(1), advertiseAddr: '', ...init },
      FORM_CALL_MS,
    );
    for (const i of this.indexes.slice(1)) {
      await this.rpc(i, 'Swarm')(
        'Join',
        { token: answer.managerToken, remoteAddr: this.addr(1), listenAddr: this.addr(i), advertiseAddr: '' },
        FORM_CALL_MS,
      );
    }
    await this.settled(this.size, FORM_CALL_MS);
    return answer;
  }

  /**
   * Resolves once node `from` answers a linearizable ListNodes (so it is caught up) that shows every
   * manager, one leader and none unreachable.
   */
  async settled(from: number, ms = 30_000): Promise<void> {
    await until(
      `${this.size} settled managers seen from shoald ${from}`,
      async () => {
        const nodes = (await this.rpc(from, 'Control')('ListNodes', {}, 2000)).nodes as WireNode[];
        const ok =
          nodes.length === this.size &&
          nodes.filter(n => n.managerStatus === 'leader').length === 1 &&
          nodes.every(n => n.managerStatus === 'leader' || n.managerStatus === 'reachable');
        return ok ? true : undefined;
      },
      ms,
    );
  }

  /** The index of the current leader, as node `from` sees it. */
  async leader(from: number): Promise<number> {
    return until('a leader', async () => {
      const nodes = (await this.rpc(from, 'Control')('ListNodes', {}, 2000)).nodes as WireNode[];
      const lead = nodes.find(n => n.managerStatus === 'leader');
      return lead === undefined ? undefined : Number(lead.hostname.replace('bench', ''));
    });
  }

  /** SIGKILL node i, as a crash. Returns once the signal is sent; `exited(i)` resolves when it is gone. */
  kill9(i: number): Promise<void> {
    const m = this.members.get(i);
    if (m === undefined) return Promise.resolve();
    this.members.delete(i);
    m.clients.close();
    if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    return m.exited;
  }

  /** The last lines each node logged (for a failure report). */
  logTails(lines = 20): string {
    return this.indexes
      .map(i => {
        let text = '';
        try {
          text = readFileSync(join(this.dir, `n${i}.log`), 'utf8');
        } catch {
          text = '(no log)';
        }
        return `--- shoald ${i} ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  }

  /** SIGTERM every node this cluster started (SIGKILL after 5 s), then removes the temp folder. */
  async destroy(): Promise<void> {
    const running = [...this.members.entries()];
    this.members.clear();
    await Promise.all(
      running.map(async ([, m]) => {
        m.clients.close();
        if (m.child.exitCode !== null || m.child.signalCode !== null) return;
        m.child.kill('SIGTERM');
        const timer = setTimeout(() => m.child.kill('SIGKILL'), 5000);
        await m.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sets `nodes` to drain, so that no task runs on them (managers kept free of tasks). */
export async function drain(control: Rpc, nodes: readonly { id: string; version: number }[]): Promise<void> {
  for (const n of nodes) {
    await control('UpdateNode', {
      nodeId: n.id,
      version: n.version,
      availability: 'drain',
      labelAdd: {},
      labelRm: [],
      desiredRole: '',
    });
  }
}

/**
 * Polls `probe` (errors count as not yet) until it yields a value; throws naming `what` after `ms`, with
 * what `state` last said (what the probe saw) or the probe's last error.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 30_000,
  state?: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError = '';
  for (;;) {
    const v = await probe().catch((err: unknown) => {
      lastError = messageOf(err);
      return undefined;
    });
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const seen = state?.() ?? lastError;
      throw new Error(`bench: timed out waiting for ${what}${seen === '' ? '' : ` (${seen})`}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}
