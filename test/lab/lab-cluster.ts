/** A cluster of shoald processes in the namespace lab, and clients for their local sockets. */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { Lab, type LabProcess } from './lab.ts';

const repo = resolve(import.meta.dirname, '../..');
const pkg = loadShoalPackage('control.proto');

export type Rpc = (method: string, req?: object, timeoutMs?: number) => Promise<Record<string, unknown>>;

export interface WireNode {
  id: string;
  hostname: string;
  managerStatus: string;
  labels: Record<string, string>;
}

export class LabCluster {
  readonly procs = new Map<number, LabProcess>();
  initResponse: Record<string, unknown> = {};

  /**
   * `executor`: 'test' runs imaginary tasks (scheduling tests); 'process' runs them for real, each node's
   * data plane in its lab namespace, its namespaces named after it.
   */
  constructor(
    readonly lab: Lab,
    readonly dir: string,
    private readonly extraArgs: string[] = [],
    private readonly executor: 'test' | 'process' = 'test',
  ) {}

  sock(i: number): string {
    return join(this.dir, `n${i}.sock`);
  }

  start(i: number): LabProcess {
    const p = this.lab.spawn(
      i,
      [
        process.execPath,
        '--import',
        'tsx',
        'bin/shoald.ts',
        '--data-dir',
        join(this.dir, `n${i}`),
        '--socket',
        this.sock(i),
        '--hostname',
        `node${i}`,
        '--log-level',
        'info',
        '--executor',
        this.executor,
        '--node-netns',
        this.lab.node(i),
        '--netns-prefix',
        this.lab.node(i),
        ...this.extraArgs,
      ],
      repo,
    );
    this.procs.set(i, p);
    return p;
  }

  /** Every daemon's last lines, for a failing test's message. */
  logs(lines = 40): string {
    return [...this.procs]
      .map(([i, p]) => `--- node${i}\n${p.output().split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }

  /** Once node i's manager lists exactly `n` nodes, all READY: node ID → lab index (hostname `node<i>`). */
  readyNodes(n: number, i = 1): Promise<Map<string, number>> {
    const control = this.rpc(i, 'Control');
    return until(`${n} ready nodes`, async () => {
      const nodes = (await control('ListNodes')).nodes as { id: string; hostname: string; status: string }[];
      if (nodes.length !== n || nodes.some(x => x.status !== 'ready')) return undefined;
      return new Map(nodes.map(x => [x.id, Number(x.hostname.replace('node', ''))]));
    });
  }

  rpc(i: number, service: 'Swarm' | 'Control'): Rpc {
    return async (method, req = {}, timeoutMs = 15_000) => {
      const Client = clientOf(pkg, service);
      const c = new Client(`unix:${this.sock(i)}`, grpc.credentials.createInsecure());
      try {
        return await unaryCall(c, method, req, { deadline: Date.now() + timeoutMs });
      } finally {
        c.close();
      }
    };
  }

  async nodes(i: number): Promise<WireNode[]> {
    return (await this.rpc(i, 'Control')('ListNodes')).nodes as WireNode[];
  }

  /** Starts n daemons, inits the cluster on node 1 and joins the others as managers. */
  async form(n: number): Promise<WireNode[]> {
    this.lab.create(n);
    const all = Array.from({ length: n }, (_, k) => k + 1);
    for (const i of all) this.start(i);
    await until('the daemons’ sockets', () =>
      Promise.resolve(all.every(i => existsSync(this.sock(i))) || undefined),
    );
    this.initResponse = await this.rpc(1, 'Swarm')('Init', {
      listenAddr: `${Lab.addr(1)}:2377`,
      advertiseAddr: '',
    });
    for (const i of all.slice(1)) {
      await this.rpc(i, 'Swarm')('Join', {
        token: this.initResponse.managerToken,
        remoteAddr: `${Lab.addr(1)}:2377`,
        listenAddr: `${Lab.addr(i)}:2377`,
        advertiseAddr: '',
      });
    }
    return until(`${n} managers`, async () => {
      const nodes = await this.nodes(n);
      const settled = nodes.every(x => x.managerStatus === 'leader' || x.managerStatus === 'reachable');
      return nodes.length === n && settled && nodes.some(x => x.managerStatus === 'leader')
        ? nodes
        : undefined;
    });
  }

  /** The lab index of the current leader, as seen from node `from`. */
  async leader(from: number): Promise<number | undefined> {
    const lead = (await this.nodes(from)).find(x => x.managerStatus === 'leader');
    return lead === undefined ? undefined : Number(lead.hostname.replace('node', ''));
  }
}

/** Polls `probe` until it yields a value; fails with `what` after the deadline. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    // A probe that throws, even before it returns its promise, is a "not yet".
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}
