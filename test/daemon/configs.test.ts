/**
 * Configs end to end through an in-process shoald's unix socket, as `docker config create/ls/rm` would
 * call them: create, list, the errors users see, remove, and a config that outlives a daemon restart.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { Daemon } from '../../node/daemon.ts';

const pkg = loadShoalPackage('control.proto');
const root = mkdtempSync(join(tmpdir(), 'shoal-configs-'));
const sock = join(root, 'm1.sock');
const daemons: Daemon[] = [];
const clients: grpc.Client[] = [];
after(async () => {
  try {
    for (const c of clients.splice(0)) c.close();
    for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startDaemon(): Promise<Daemon> {
  const d = await Daemon.start({
    dataDir: join(root, 'm1'),
    socketPath: sock,
    hostname: 'm1',
    log: pino({ level: 'silent' }),
    tickMs: 20,
  });
  daemons.push(d);
  return d;
}

type Call = (method: string, req: object) => Promise<Record<string, unknown>>;

function client(service: 'Swarm' | 'Control'): Call {
  const Client = clientOf(pkg, service);
  const c = new Client(`unix:${sock}`, grpc.credentials.createInsecure());
  clients.push(c);
  return (method, req) => unaryCall(c, method, req, { deadline: Date.now() + 10_000 });
}

/** Matches a rejected call by its gRPC code and its exact details. */
function status(code: grpc.status, details: string): (err: unknown) => boolean {
  return err => {
    const e = err as grpc.ServiceError;
    assert.equal(e.code, code, `code of: ${e.details}`);
    assert.equal(e.details, details);
    return true;
  };
}

interface WireConfig {
  id: string;
  name: string;
  version: number;
  labels: Record<string, string>;
  createdAt: number;
}

test('config create, ls, errors, rm, and a config that survives a restart', async () => {
  const d1 = await startDaemon();
  const control = client('Control');
  await assert.rejects(
    control('CreateConfig', { name: 'early', data: Buffer.from('x'), labels: {} }),
    status(
      grpc.status.FAILED_PRECONDITION,
      'This node is not a swarm manager. Use "shoal swarm init" or "shoal swarm join" to connect this node to swarm and try again.',
    ),
  );
  await client('Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });

  const before = Date.now();
  const created = (
    await control('CreateConfig', {
      name: 'nginx.conf',
      data: Buffer.from('server {}\n'),
      labels: { app: 'web' },
    })
  ).config as WireConfig;
  assert.match(created.id, /^[0-9a-z]{25}$/);
  assert.equal(created.name, 'nginx.conf');
  assert.ok(created.version > 0);
  assert.ok(created.createdAt >= before && created.createdAt <= Date.now());
  await control('CreateConfig', { name: 'other_1.yml', data: Buffer.alloc(500 * 1024, 1), labels: {} });

  const ls = async (): Promise<WireConfig[]> => (await control('ListConfigs', {})).configs as WireConfig[];
  assert.deepEqual((await ls()).map(c => c.name).sort(), ['nginx.conf', 'other_1.yml']);
  assert.deepEqual((await ls()).find(c => c.id === created.id)?.labels, { app: 'web' });

  // The errors users see, exactly.
  await assert.rejects(
    control('CreateConfig', { name: 'nginx.conf', data: Buffer.from('again'), labels: {} }),
    status(grpc.status.ALREADY_EXISTS, 'config nginx.conf already exists'),
  );
  const invalid = 'invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed';
  for (const name of ['', '-lead', 'has space', 'slash/no', 'x'.repeat(65)]) {
    await assert.rejects(
      control('CreateConfig', { name, data: Buffer.from('x'), labels: {} }),
      status(grpc.status.INVALID_ARGUMENT, invalid),
    );
  }
  await control('CreateConfig', { name: 'y'.repeat(64), data: Buffer.from('x'), labels: {} });
  await assert.rejects(
    control('CreateConfig', { name: 'big', data: Buffer.alloc(500 * 1024 + 1), labels: {} }),
    status(grpc.status.INVALID_ARGUMENT, 'config data too long'),
  );
  await assert.rejects(
    control('CreateConfig', { name: 'empty', data: Buffer.alloc(0), labels: {} }),
    status(grpc.status.INVALID_ARGUMENT, 'config data must not be empty'),
  );
  const labels = (n: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, '']));
  await assert.rejects(
    control('CreateConfig', { name: 'labelled', data: Buffer.from('x'), labels: labels(1001) }),
    status(grpc.status.INVALID_ARGUMENT, 'config has 1001 labels; at most 1000 are allowed'),
  );
  await assert.rejects(
    control('CreateConfig', { name: 'labelled', data: Buffer.from('x'), labels: { v: 'x'.repeat(1 << 20) } }),
    status(
      grpc.status.INVALID_ARGUMENT,
      'config label "v" has a value of 1048576 bytes; at most 4096 are allowed',
    ),
  );
  await control('CreateConfig', { name: 'labelled', data: Buffer.from('x'), labels: labels(1000) });
  await control('RemoveConfig', { configId: 'labelled' });

  // rm by name and by ID; a second rm finds nothing.
  await control('RemoveConfig', { configId: 'other_1.yml' });
  await control('RemoveConfig', { configId: 'y'.repeat(64) });
  assert.deepEqual(
    (await ls()).map(c => c.name),
    ['nginx.conf'],
  );
  await assert.rejects(
    control('RemoveConfig', { configId: 'other_1.yml' }),
    status(grpc.status.NOT_FOUND, 'config other_1.yml not found'),
  );

  // Everything is in the data folder: stop, start again, the config is still there, the name still taken.
  await d1.stop();
  daemons.splice(daemons.indexOf(d1), 1);
  await startDaemon();
  // The restarted manager answers once it has elected itself again.
  const deadline = Date.now() + 8000;
  let listed: WireConfig[] | undefined;
  while (listed === undefined && Date.now() < deadline) {
    listed = await ls().catch(() => undefined);
    if (listed === undefined) await new Promise(r => setTimeout(r, 25));
  }
  assert.deepEqual(listed, [created]);
  await assert.rejects(
    control('CreateConfig', { name: 'NGINX.conf', data: Buffer.from('x'), labels: {} }),
    status(grpc.status.ALREADY_EXISTS, 'config NGINX.conf already exists'),
  );
  await control('RemoveConfig', { configId: created.id.slice(0, 6) });
  assert.deepEqual(await ls(), []);
});
