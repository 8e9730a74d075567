/**
 * `shoal network ls` and `network inspect` on a worker show the networks its tasks use, and ingress, as
 * docker's do (from the network view its agent gets with its assignments); the rest of the cluster's
 * state stays refused with docker's text.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WireNetwork } from '../../proto/control-types.ts';
import { WORKER_NOT_A_MANAGER } from '../../node/errors.ts';
import { runCli } from '../cli/run-cli.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-worker-networks-');
after(() => h.cleanup());

before(async () => {
  await h.daemon('m1');
  const port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  await h.daemon('w1', { pollMs: 50 });
  await h.client('w1', 'Swarm')('Join', {
    token: init.workerToken,
    remoteAddr: `127.0.0.1:${port}`,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
});

const names = async (filters?: object): Promise<string[]> =>
  (
    (await h.client('w1', 'Control')('ListNetworks', filters === undefined ? {} : { filters }))
      .networks as WireNetwork[]
  )
    .map(n => n.spec.name)
    .sort();

test('a worker lists the networks its tasks use and ingress; not the others', async () => {
  const control = h.client('m1', 'Control');
  const { network } = await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } });
  await control('CreateNetwork', { spec: { name: 'other', driver: 'overlay' } });
  await control('CreateService', {
    spec: {
      name: 'web',
      mode: 'replicated',
      replicas: 1,
      task: { command: ['sleep', '1000'], constraints: ['node.role==worker'] },
      networks: ['test'],
    },
  });
  await until('the worker’s task on test', async () => (await names()).join() === 'ingress,test');
  assert.deepEqual(await names({ names: ['test'], idPrefixes: [] }), ['test']);
  const test = (await h.client('w1', 'Control')('ListNetworks', {})).networks as WireNetwork[];
  const listed = test.find(n => n.spec.name === 'test');
  const created = network as WireNetwork;
  assert.deepEqual(
    [listed?.id, listed?.spec.driver, listed?.allocation],
    [created.id, 'overlay', created.allocation],
  );

  // As docker prints it.
  const r = await runCli(
    ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'],
    join(h.root, 'w1.sock'),
  );
  assert.deepEqual(r, { code: 0, out: 'ingress overlay swarm\ntest overlay swarm\n', err: '' });

  // Inspect by name, ID or unique ID prefix; a network the worker does not have is not found there.
  for (const ref of ['test', created.id, created.id.slice(0, 6)]) {
    const got = (await h.client('w1', 'Control')('GetNetwork', { networkId: ref })).network as WireNetwork;
    assert.deepEqual([got.id, got.spec.name], [created.id, 'test'], ref);
  }
  await assert.rejects(h.client('w1', 'Control')('GetNetwork', { networkId: 'other' }), {
    code: grpc.status.NOT_FOUND,
    details: 'network other not found',
  });
  await assert.rejects(h.client('w1', 'Control')('GetNetwork', { networkId: '' }), {
    code: grpc.status.INVALID_ARGUMENT,
  });
  const inspect = await runCli(
    ['network', 'inspect', '--format', '{{.Name}} {{.Driver}}', 'test', 'other'],
    join(h.root, 'w1.sock'),
  );
  assert.equal(inspect.out, 'test overlay\n');
  assert.match(inspect.err, /network other not found/);
  assert.notEqual(inspect.code, 0);

  // The rest stays a manager's.
  for (const method of ['ListNodes', 'ListServices'])
    await assert.rejects(h.client('w1', 'Control')(method, {}), {
      code: grpc.status.FAILED_PRECONDITION,
      details: WORKER_NOT_A_MANAGER,
    });
});
