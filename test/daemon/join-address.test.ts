/**
 * `shoal swarm join --token … HOST:PORT` as `swarm init` prints it, without --advertise-addr or
 * --listen-addr: the joining node advertises the address its route to the manager starts from (on
 * loopback, 127.0.0.1), instead of refusing to choose one.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { WireNode } from '../../proto/control-types.ts';
import { advertiseToward, listensEverywhere } from '../../node/join-address.ts';
import { freePort, harness } from './helpers.ts';

const h = harness('shoal-join-addr-');
after(() => h.cleanup());

test('a worker joins with neither address given: it advertises its route’s source address', async () => {
  await h.daemon('m1');
  const port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  await h.daemon('w1');
  const joined = await h.client('w1', 'Swarm')('Join', {
    token: init.workerToken,
    remoteAddr: `127.0.0.1:${port}`,
    listenAddr: '',
    advertiseAddr: '',
  });
  assert.equal(joined.role, 'worker');
  const { nodes } = (await h.client('m1', 'Control')('ListNodes', {})) as { nodes: WireNode[] };
  const w1 = nodes.find(n => n.id === joined.nodeId);
  assert.equal(w1?.addr.replace(/:\d+$/, ''), '127.0.0.1');
  assert.equal((await h.client('w1', 'Swarm')('Info', {})).addr, '127.0.0.1:2377');
});

test('the choice: only without a listen address of its own; the listen port is kept', async () => {
  for (const everywhere of ['', '0.0.0.0:2377', '0.0.0.0', '[::]:2377'])
    assert.equal(listensEverywhere(everywhere), true, everywhere);
  for (const one of ['10.0.0.1:2377', '10.0.0.1', '[::1]:2377', 'eth0:2377'])
    assert.equal(listensEverywhere(one), false, one);
  assert.equal(await advertiseToward('127.0.0.1:2377', '0.0.0.0:4000'), '127.0.0.1:4000');
});
