/**
 * Workers end to end on loopback: a daemon joins with the worker token (CA pinned by the token), runs
 * no manager, answers manager-only calls with docker's text, resumes after a restart, renews its
 * certificate through the next manager when the first is down, and leaves (its node shows Down).
 * A live worker is not removed without --force; a removed one's certificate is refused.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCsr, createNodeKey, readIdentity } from '../../certs/index.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import type { Daemon } from '../../node/daemon.ts';
import { WORKER_NOT_A_MANAGER } from '../../node/errors.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-workers-');
after(() => h.cleanup());
const caPkg = loadShoalPackage('ca.proto');
const DAY = 24 * 3600_000;

interface WireNode {
  id: string;
  hostname: string;
  role: string;
  status: string;
  managerStatus: string;
}

const skews = new Map<string, { ms: number }>();
/** Starts a daemon named `name` with a fast node loop and its own movable clock. */
async function daemon(name: string): Promise<Daemon> {
  const skew = skews.get(name) ?? { ms: 0 };
  skews.set(name, skew);
  return h.daemon(name, { pollMs: 50, now: () => Date.now() + skew.ms });
}

const stopDaemon = (name: string): Promise<void> => h.stop(name);

const ports = new Map<string, number>();
const swarm = (name: string): ReturnType<typeof h.client> => h.client(name, 'Swarm');
const control = (name: string): ReturnType<typeof h.client> => h.client(name, 'Control');
const file = (name: string, f: string): string => readFileSync(join(h.root, name, 'certificates', f), 'utf8');
const ls = async (name: string): Promise<WireNode[]> =>
  ((await control(name)('ListNodes', {}).catch(() => ({ nodes: [] }))).nodes ?? []) as WireNode[];

let tokens: { worker: string; manager: string };

async function join_(name: string, token: string, via = 'm1'): Promise<Record<string, unknown>> {
  await daemon(name);
  const port = await freePort();
  ports.set(name, port);
  return swarm(name)('Join', {
    token,
    remoteAddr: `127.0.0.1:${ports.get(via)}`,
    listenAddr: `127.0.0.1:${port}`,
    advertiseAddr: '',
  });
}

/** A NodeCA call on `name`'s manager port, presenting `id`'s certificate if given. */
async function nodeCa(
  name: string,
  method: string,
  req: object,
  id?: { certPem: string; keyPem: string },
): Promise<Record<string, unknown>> {
  const ca = Buffer.from(file('m2', 'swarm-root-ca.crt'));
  const creds =
    id === undefined
      ? grpc.credentials.createSsl(ca)
      : grpc.credentials.createSsl(ca, Buffer.from(id.keyPem), Buffer.from(id.certPem));
  const c = new (clientOf(caPkg, 'NodeCA'))(`127.0.0.1:${ports.get(name)}`, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
  });
  try {
    return await unaryCall(c, method, req, { deadline: Date.now() + 5000 });
  } finally {
    c.close();
  }
}

before(async () => {
  await daemon('m1');
  ports.set('m1', await freePort());
  const init = await swarm('m1')('Init', { listenAddr: `127.0.0.1:${ports.get('m1')}`, advertiseAddr: '' });
  tokens = { worker: String(init.workerToken), manager: String(init.managerToken) };
  await join_('m2', tokens.manager);
  await join_('m3', tokens.manager);
});

test('a worker joins, runs no manager, and gets docker’s text for manager-only commands', async () => {
  const joined = await join_('w1', tokens.worker);
  assert.equal(joined.role, 'worker');
  const id = String(joined.nodeId);

  await until('w1 listed by the managers', async () => (await ls('m1')).some(n => n.id === id));
  const row = (await ls('m1')).find(n => n.id === id);
  assert.deepEqual(row && [row.hostname, row.role, row.status, row.managerStatus], [
    'w1',
    'worker',
    'ready',
    '',
  ]);

  for (const [method, req] of [
    ['ListNodes', {}],
    ['GetCluster', {}],
    ['UpdateNode', { nodeId: id, availability: 'drain' }],
    ['RotateJoinToken', { role: 'worker' }],
  ] as const) {
    await assert.rejects(control('w1')(method, req), {
      code: grpc.status.FAILED_PRECONDITION,
      details: WORKER_NOT_A_MANAGER,
    });
  }
  const info = await swarm('w1')('Info', {});
  assert.deepEqual([info.state, info.nodeId, info.isManager], ['active', id, false]);
  await assert.rejects(
    swarm('w1')('Init', { listenAddr: '127.0.0.1:1', advertiseAddr: '' }),
    /already part of a swarm/,
  );
  // Nothing listens on a worker's address.
  assert.equal(existsSync(join(h.root, 'w1', 'raft')), false);

  // Its certificate is a worker's, for its node and this cluster, and the CA reports the same one.
  const cert = file('w1', 'swarm-node.crt');
  const subject = readIdentity(cert);
  assert.deepEqual([subject.nodeId, subject.role], [id, 'swarm-worker']);
  const status = await nodeCa('m1', 'NodeCertificateStatus', { nodeId: id });
  assert.deepEqual([status.status, status.certificate, status.role], ['issued', cert, 'worker']);
});

test('a live worker is not removed without --force', async () => {
  const id = String((await swarm('w1')('Info', {})).nodeId);
  await assert.rejects(control('m1')('RemoveNode', { nodeId: id, force: false }), {
    code: grpc.status.FAILED_PRECONDITION,
    details: `node ${id} is not down and can't be removed`,
  });
});

test('with its first manager down, a worker renews through the next one, and resumes after a restart', async () => {
  const id = String((await swarm('w1')('Info', {})).nodeId);
  await stopDaemon('m1');
  const first = file('w1', 'swarm-node.crt');
  const skew = skews.get('w1');
  assert.ok(skew !== undefined);
  skew.ms = 80 * DAY;
  await until(
    'w1 to renew through m2 or m3',
    () => Promise.resolve(file('w1', 'swarm-node.crt') !== first),
    15_000,
  );
  skew.ms = 0;
  const renewed = readIdentity(file('w1', 'swarm-node.crt'));
  assert.deepEqual([renewed.nodeId, renewed.role], [id, 'swarm-worker']);
  await until('the CA to report the renewed certificate', async () => {
    const s = await nodeCa('m2', 'NodeCertificateStatus', { nodeId: id });
    return s.certificate === file('w1', 'swarm-node.crt');
  });

  await stopDaemon('w1');
  await daemon('w1');
  const info = await swarm('w1')('Info', {});
  assert.deepEqual([info.state, info.nodeId, info.isManager], ['active', id, false]);
  await assert.rejects(control('w1')('ListNodes', {}), { details: WORKER_NOT_A_MANAGER });
});

test('a worker that leaves shows Down, and can then be removed without --force', async () => {
  const id = String((await swarm('w1')('Info', {})).nodeId);
  await swarm('w1')('Leave', { force: false });
  assert.equal((await swarm('w1')('Info', {})).state, 'inactive');
  assert.equal(existsSync(join(h.root, 'w1', 'state.json')), false);
  await until(
    'w1 down on the managers',
    async () => (await ls('m2')).find(n => n.id === id)?.status === 'down',
  );
  await control('m2')('RemoveNode', { nodeId: id, force: false });
  assert.equal(
    (await ls('m2')).some(n => n.id === id),
    false,
  );
});

test('a live worker removed with --force: its certificate is refused from then on', async () => {
  const joined = await join_('w2', tokens.worker, 'm2');
  const id = String(joined.nodeId);
  await control('m2')('RemoveNode', { nodeId: id, force: true });
  const mine = { certPem: file('w2', 'swarm-node.crt'), keyPem: file('w2', 'swarm-node.key') };
  await assert.rejects(
    nodeCa('m2', 'IssueNodeCertificate', { csr: createCsr(createNodeKey().keyPem), token: '' }, mine),
    { code: grpc.status.PERMISSION_DENIED, details: `node ${id} was removed from swarm` },
  );
  await assert.rejects(nodeCa('m2', 'LeaveSwarm', {}, mine), {
    code: grpc.status.PERMISSION_DENIED,
    details: `node ${id} was removed from swarm`,
  });
});
