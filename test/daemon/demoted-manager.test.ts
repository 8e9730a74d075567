/**
 * A demoted manager's certificate still says manager until it expires; the managers go by the node in
 * the store. Two managers and a worker promoted to the third: with its new manager certificate it joins
 * Raft and calls as a manager. Demoted again, that certificate is refused on manager-only calls by
 * every manager (not on what every node may call), while the remaining two write through Raft.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readIdentity } from '../../certs/index.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { getNode } from '../../server/store/index.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-demoted-');
const clients: grpc.Client[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.close();
  await h.cleanup();
});

const ports = new Map<string, number>();
const managers = new Map<string, Manager>();

async function start(name: string, join?: { token: string; via: string }): Promise<void> {
  const d = await h.daemon(name, { pollMs: 50 });
  const port = await freePort();
  ports.set(name, port);
  const swarm = h.client(name, 'Swarm');
  if (join === undefined) {
    await swarm('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  } else {
    await swarm('Join', {
      token: join.token,
      remoteAddr: `127.0.0.1:${ports.get(join.via)}`,
      listenAddr: `127.0.0.1:${port}`,
      advertiseAddr: '',
    });
  }
  const m = (d as unknown as { manager?: Manager }).manager;
  if (m !== undefined) managers.set(name, m);
}

const info = (name: string): Promise<Record<string, unknown>> => h.client(name, 'Swarm')('Info', {});
const file = (name: string, f: string): string => readFileSync(join(h.root, name, 'certificates', f), 'utf8');

/** Sets the node's desired role, again when it loses a race with another write to the node. */
async function setRole(nodeId: string, desiredRole: 'manager' | 'worker'): Promise<void> {
  const update = (): Promise<unknown> =>
    h.client('m1', 'Control')('UpdateNode', {
      nodeId,
      version: 0,
      desiredRole,
      availability: '',
      labelAdd: {},
      labelRm: [],
    });
  await until(`node ${nodeId} to take desired role ${desiredRole}`, () =>
    update().then(
      () => true,
      (err: grpc.ServiceError) => {
        if (err.details === 'update out of sequence') return false;
        throw err;
      },
    ),
  );
}

/** A call with an empty request to manager `to`'s port, presenting `id`; the status it ends with. */
function call(to: string, path: string, id: { certPem: string; keyPem: string }): Promise<grpc.StatusObject> {
  const creds = grpc.credentials.createSsl(
    Buffer.from(file('m1', 'swarm-root-ca.crt')),
    Buffer.from(id.keyPem),
    Buffer.from(id.certPem),
  );
  const c = new grpc.Client(`127.0.0.1:${ports.get(to)}`, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
    'grpc.use_local_subchannel_pool': 1,
  });
  clients.push(c);
  const same = (b: Buffer): Buffer => b;
  return new Promise(resolve => {
    c.makeUnaryRequest(
      path,
      same,
      same,
      Buffer.alloc(0),
      { deadline: Date.now() + 10_000 },
      () => undefined,
    ).on('status', resolve);
  });
}

test("a demoted manager's old certificate is refused on manager-only calls; the other managers go on", async () => {
  await start('m1');
  const tokens = (await h.client('m1', 'Control')('GetCluster', {})).cluster as {
    managerToken: string;
    workerToken: string;
  };
  await start('m2', { token: tokens.managerToken, via: 'm1' });
  await start('w', { token: tokens.workerToken, via: 'm1' });
  const w = String((await info('w')).nodeId);
  const m1 = managers.get('m1');
  assert.ok(m1 !== undefined);

  await setRole(w, 'manager');
  await until('the promoted node to run a manager', async () => (await info('w')).isManager === true);
  await until('three voters', async () => m1.raft.voters().length === 3);
  const old = { certPem: file('w', 'swarm-node.crt'), keyPem: file('w', 'swarm-node.key') };
  assert.equal(readIdentity(old.certPem).role, 'swarm-manager');
  for (const to of ['m1', 'm2']) {
    const promoted = await call(to, '/shoal.v1.Control/ListNodes', old);
    assert.equal(promoted.code, grpc.status.OK, `${to}: ${promoted.details}`);
  }

  await setRole(w, 'worker');
  await until('the demoted node to stop its manager', async () => (await info('w')).isManager === false);
  await until('its role to be worker', async () => m1.store.view(tx => getNode(tx, w))?.role === 'worker');
  assert.equal(m1.raft.voters().length, 2);
  for (const to of ['m1', 'm2']) {
    const demoted = await call(to, '/shoal.v1.Control/ListNodes', old);
    assert.deepEqual(
      { code: demoted.code, details: demoted.details },
      {
        code: grpc.status.PERMISSION_DENIED,
        details: `Permission denied: node ${w} was demoted: its manager certificate is no longer accepted`,
      },
      to,
    );
    // What every node may call is not a manager's: the handler answers (there is no session).
    const heartbeat = await call(to, '/shoal.v1.Dispatcher/Heartbeat', old);
    assert.notEqual(heartbeat.code, grpc.status.PERMISSION_DENIED, heartbeat.details);
  }

  // The remaining managers write: a proposal on m2 commits with m1's vote over Raft.
  const rotated = (await h.client('m2', 'Control')('RotateJoinToken', { role: 'worker' })).cluster as {
    workerToken: string;
  };
  assert.notEqual(rotated.workerToken, tokens.workerToken);
});
