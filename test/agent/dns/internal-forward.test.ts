/**
 * A task on --internal networks only: the embedded DNS answers the cluster's names but refuses, at
 * once, every name it would forward upstream (the task has no route out). A task with one network that
 * is not internal still has its names forwarded. Asked with dig, over UDP and TCP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dig, NET_A, NET_B, startLoopbackDns, testView } from './fixtures.ts';

function internalB() {
  const view = testView();
  view.networks = view.networks.map(n => (n.id === NET_B ? { ...n, internal: true } : n));
  return view;
}

test('on internal networks only: cluster names answered, outside names REFUSED without asking upstream', async t => {
  // No upstream at all: a forwarded name would come back SERVFAIL, a refused one REFUSED.
  const s = await startLoopbackDns({ upstreams: [], networks: [NET_B], view: internalB() });
  t.after(() => s.close());
  const at = ['@127.0.0.1', '-p', String(s.port)];
  assert.match(await dig([...at, '+short', 'other']), /^10\.0\.2\.2$/m);
  for (const proto of ['+notcp', '+tcp']) {
    assert.match(await dig([...at, proto, 'outside.example']), /status: REFUSED/);
    assert.match(await dig([...at, proto, '-x', '192.0.2.1']), /status: REFUSED/);
  }
});

test('on an internal and an ordinary network, or an ordinary one: outside names are forwarded', async t => {
  const s = await startLoopbackDns({ upstreams: [], networks: [NET_A, NET_B], view: internalB() });
  t.after(() => s.close());
  const at = ['@127.0.0.1', '-p', String(s.port)];
  assert.match(await dig([...at, 'outside.example']), /status: SERVFAIL/);
  s.dns.setAskers(new Map([['127.0.0.1', [NET_A]]]));
  await s.dns.synced();
  assert.match(await dig([...at, 'outside.example']), /status: SERVFAIL/);
});
