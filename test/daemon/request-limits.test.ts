/**
 * What one request may write, through a real shoald and the CLI (issue 14, points 2 and 4). A service
 * whose spec is too large, or asks for too many replicas, or whose tasks together would be too large,
 * is refused with a message naming the limit, and nothing is written; a large legal scale is written in
 * bounded batches while the node keeps heartbeating and other calls are served.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { runCli, type CliResult } from '../cli/run-cli.ts';
import { freePort, harness, socketClient, until, type SocketClient } from './helpers.ts';
import { shoaldProcesses } from './shoald-process.ts';

const h = harness('shoal-request-limits-');
const procs = shoaldProcesses();
const sock = join(h.root, 'm.sock');
let control: SocketClient;
before(async () => {
  const p = procs.start(join(h.root, 'm'), sock);
  await procs.ready(p, sock);
  const swarm = socketClient(sock, 'Swarm');
  await swarm.call('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  swarm.close();
  control = socketClient(sock, 'Control', 30_000);
});
after(async () => {
  control.close();
  await procs.cleanup();
  await h.cleanup();
});

const shoal = (...argv: string[]): Promise<CliResult> => runCli(argv, sock);

async function serviceNames(): Promise<string[]> {
  const r = await shoal('service', 'ls', '--format', '{{.Name}}');
  assert.equal(r.code, 0, r.err);
  return r.out.split('\n').filter(Boolean).sort();
}

test('a spec too large to keep is refused with the limit named, and nothing is written', async () => {
  // 1.7 MB of control bytes: JSON writes each as six, so each task would carry 10 MB.
  const huge = await shoal(
    'service',
    'create',
    '--name',
    'huge',
    '--replicas',
    '2',
    '--',
    'echo',
    '\x01'.repeat(1_700_000),
  );
  assert.notEqual(huge.code, 0);
  // Over what one request may carry: refused before the daemon reads it.
  assert.match(huge.err, /request too large: \/shoal.v1.Control\/CreateService takes at most 1.5 MiB/);
  const mid = await shoal('service', 'create', '--name', 'mid', '--', 'echo', '\x01'.repeat(50_000));
  assert.notEqual(mid.code, 0);
  assert.match(mid.err, /the service spec takes 29\d(\.\d+)? KiB as stored; at most 256 KiB are allowed/);
  assert.deepEqual(await serviceNames(), []);
  // Just under the limit is fine, and runs.
  const fits = await shoal(
    'service',
    'create',
    '-d',
    '--name',
    'fits',
    '--replicas',
    '2',
    '--',
    'echo',
    '\x01'.repeat(40_000),
  );
  assert.equal(fits.code, 0, fits.err);
  await until(
    'both tasks of fits running',
    async () => {
      const r = await shoal('service', 'ls', '--format', '{{.Replicas}}');
      return r.out.trim() === '2/2';
    },
    20_000,
  );
});

test('replica counts over the limit are refused on create, update and scale, from the CLI and the API', async () => {
  const cli = await shoal(
    'service',
    'create',
    '--name',
    'many',
    '--replicas',
    '100000000',
    '--',
    'sleep',
    '1000',
  );
  assert.notEqual(cli.code, 0);
  assert.match(cli.err, /invalid replicas 100000000: a service may have at most 100000 replicas/);
  await assert.rejects(
    control.call('CreateService', {
      spec: {
        name: 'billion',
        mode: 'replicated',
        replicas: 1_000_000_000,
        task: { command: ['sleep', '1'] },
      },
    }),
    { code: grpc.status.INVALID_ARGUMENT, details: /at most 100000 replicas/ },
  );
  const small = await shoal(
    'service',
    'create',
    '-d',
    '--name',
    'small',
    '--replicas',
    '1',
    '--',
    'sleep',
    '1000',
  );
  assert.equal(small.code, 0, small.err);
  const scale = await shoal('service', 'scale', '-d', 'small=100001');
  assert.notEqual(scale.code, 0);
  assert.match(scale.err, /at most 100000 replicas/);
  // What a service's tasks take together is bounded too: 50,000 copies of a 10 KB command.
  const wide = await shoal(
    'service',
    'create',
    '--name',
    'wide',
    '--replicas',
    '50000',
    '--',
    'echo',
    'x'.repeat(10_000),
  );
  assert.notEqual(wide.code, 0);
  assert.match(
    wide.err,
    /50000 replicas of a task of .* would take .*; a service's tasks may take at most 256 MiB together/,
  );
  assert.deepEqual(await serviceNames(), ['fits', 'small']);
});

test('a scale to 2000 tasks of 2 KB (4 MB, more than twice what one write may carry) is written in batches; the node never misses a heartbeat and calls are served meanwhile', async () => {
  const created = await shoal(
    'service',
    'create',
    '-d',
    '--name',
    'big',
    '--replicas',
    '2000',
    '--',
    'echo',
    'y'.repeat(2000),
  );
  assert.equal(created.code, 0, created.err);
  let calls = 0;
  let sawDown = false;
  await until(
    '2000 tasks of big running',
    async () => {
      // Meanwhile: the node stays Ready (its heartbeats are heard), and other calls are answered.
      const nodes = (await control.call('ListNodes', {})).nodes as { status: string }[];
      if (nodes.some(n => n.status !== 'ready')) sawDown = true;
      await control.call('ListNetworks', {});
      calls++;
      const r = await shoal('service', 'ls', '--filter', 'name=big', '--format', '{{.Replicas}}');
      return r.out.trim() === '2000/2000';
    },
    240_000,
  );
  assert.equal(sawDown, false, 'the node was marked down while the scale was written');
  assert.ok(calls > 1);
  // And back down to zero, in batches too.
  const zero = await shoal('service', 'scale', '-d', 'big=0');
  assert.equal(zero.code, 0, zero.err);
  await until(
    'no task of big running',
    async () =>
      (await shoal('service', 'ls', '--filter', 'name=big', '--format', '{{.Replicas}}')).out.trim() ===
      '0/0',
    240_000,
  );
});
