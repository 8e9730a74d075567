/**
 * Needs root (CI runs as root): three shoald processes in the namespace lab, on 198.51.100.1–3:2377,
 * form a cluster with the manager token; the leader is kill -9'd, the others elect a leader and keep
 * accepting writes; the killed one restarts from its disk and catches up through a snapshot.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import { canRunLab, Lab, type LabProcess } from './lab.ts';

const repo = resolve(import.meta.dirname, '../..');
const pkg = loadShoalPackage('control.proto');
const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-lab-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const sock = (i: number): string => join(dir, `n${i}.sock`);

function startShoald(i: number): LabProcess {
  return lab.spawn(
    i,
    [
      process.execPath,
      '--import',
      'tsx',
      'bin/shoald.ts',
      '--data-dir',
      join(dir, `n${i}`),
      '--socket',
      sock(i),
      '--hostname',
      `node${i}`,
      '--log-level',
      'info',
      '--snapshot-every',
      '20',
    ],
    repo,
  );
}

type Rpc = (method: string, req?: object) => Promise<Record<string, unknown>>;

function rpc(i: number, service: 'Swarm' | 'Control'): Rpc {
  return (method, req = {}) =>
    new Promise((ok, fail) => {
      const Client = clientOf(pkg, service);
      const c = new Client(`unix:${sock(i)}`, grpc.credentials.createInsecure());
      const fn = (
        c as unknown as Record<
          string,
          (r: object, o: object, cb: (e: Error | null, v: Record<string, unknown>) => void) => void
        >
      )[method];
      fn?.call(c, req, { deadline: Date.now() + 15_000 }, (err, v) => {
        c.close();
        if (err === null) ok(v);
        else fail(err);
      });
    });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

interface WireNode {
  hostname: string;
  managerStatus: string;
}

async function nodesFrom(i: number): Promise<WireNode[]> {
  return (await rpc(i, 'Control')('ListNodes')).nodes as WireNode[];
}

async function workerToken(i: number): Promise<string> {
  const { cluster } = (await rpc(i, 'Control')('GetCluster')) as { cluster: { workerToken: string } };
  return cluster.workerToken;
}

test(
  'lab: three managers, the leader kill -9ed, a new leader, the old one catches up by snapshot',
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async () => {
    lab.create(3);
    const procs = new Map<number, LabProcess>();
    for (const i of [1, 2, 3]) procs.set(i, startShoald(i));
    await until('the daemons’ sockets', () =>
      Promise.resolve([1, 2, 3].every(i => existsSync(sock(i))) || undefined),
    );

    const init = await rpc(1, 'Swarm')('Init', { listenAddr: `${Lab.addr(1)}:2377`, advertiseAddr: '' });
    assert.equal(init.addr, '198.51.100.1:2377');
    for (const i of [2, 3]) {
      await rpc(i, 'Swarm')('Join', {
        token: init.managerToken,
        remoteAddr: `${Lab.addr(1)}:2377`,
        listenAddr: `${Lab.addr(i)}:2377`,
        advertiseAddr: '',
      });
    }
    const three = await until('three managers', async () => {
      const nodes = await nodesFrom(3);
      return nodes.length === 3 && nodes.some(n => n.managerStatus === 'leader') ? nodes : undefined;
    });
    assert.deepEqual(three.map(n => n.managerStatus).sort(), ['leader', 'reachable', 'reachable']);

    // kill -9 the leader.
    const leaderHost = three.find(n => n.managerStatus === 'leader')?.hostname ?? '';
    const victim = Number(leaderHost.replace('node', ''));
    const victimProc = procs.get(victim);
    assert.ok(victimProc !== undefined);
    await lab.kill9(victimProc);
    const survivors = [1, 2, 3].filter(i => i !== victim);
    const survivor = survivors[0] ?? 0;

    // The others elect a leader and keep accepting writes: enough of them to force a snapshot.
    await until('a new leader among the survivors', async () => {
      const nodes = await nodesFrom(survivor);
      const lead = nodes.find(n => n.managerStatus === 'leader');
      return lead !== undefined && lead.hostname !== leaderHost ? lead : undefined;
    });
    let token = '';
    for (let k = 0; k < 60; k++) {
      const r = (await rpc(survivor, 'Control')('RotateJoinToken', { role: 'worker' })) as {
        cluster: { workerToken: string };
      };
      token = r.cluster.workerToken;
    }
    assert.notEqual(token, init.workerToken);

    // The killed manager restarts from its disk and catches up (its log was compacted away: a snapshot).
    const back = startShoald(victim);
    const caughtUp = await until('the restarted manager to catch up', async () =>
      (await workerToken(victim)) === token ? true : undefined,
    );
    assert.equal(caughtUp, true);
    assert.match(back.output(), /installed a snapshot from the leader/);
    const after3 = await nodesFrom(victim);
    assert.equal(after3.length, 3);
  },
);
