/** The pure record table: what each name answers, for an asker on which networks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordTable, rotated } from '../../../agent/dns/record-table.ts';
import { NET_A, NET_B, testView } from './fixtures.ts';

const table = RecordTable.fromView(testView(5));
const onA = [NET_A];

test('a vip service answers its VIP; tasks.<service> its running tasks (not the stopped one)', () => {
  assert.deepEqual(table.lookup('web', onA), { kind: 'records', ips: ['10.0.1.2'], rotate: false });
  assert.deepEqual(table.lookup('tasks.web', onA), {
    kind: 'records',
    ips: ['10.0.1.10', '10.0.1.11', '10.0.1.12'],
    rotate: false,
  });
});

test('a dnsrr service answers its task IPs, flagged for rotation; rotated() turns them', () => {
  assert.deepEqual(table.lookup('rr', onA), {
    kind: 'records',
    ips: ['10.0.1.20', '10.0.1.21', '10.0.1.22'],
    rotate: true,
  });
  assert.deepEqual(rotated(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  assert.deepEqual(rotated(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
  assert.deepEqual(rotated(['a'], 7), ['a']);
});

test('per-task names: <service>.<slot>.<task>, and <service>.<node>.<task> for a global (slot 0) task', () => {
  assert.deepEqual(table.lookup('web.2.webtask2', onA), {
    kind: 'records',
    ips: ['10.0.1.11'],
    rotate: false,
  });
  assert.deepEqual(table.lookup('global.node1.globaltask1', onA), {
    kind: 'records',
    ips: ['10.0.1.30'],
    rotate: false,
  });
  // A task that is not running is known, with no address.
  assert.deepEqual(table.lookup('web.4.webtask4', onA), { kind: 'records', ips: [], rotate: false });
  assert.deepEqual(table.lookup('lonely', onA), { kind: 'records', ips: ['10.0.1.40'], rotate: false });
});

test('scoping: a service only on another network is NXDOMAIN, never forwarded; the names of both networks merge', () => {
  assert.deepEqual(table.lookup('other', onA), { kind: 'nxdomain' });
  assert.deepEqual(table.lookup('tasks.other', onA), { kind: 'nxdomain' });
  assert.deepEqual(table.lookup('web', [NET_B]), { kind: 'nxdomain' });
  assert.deepEqual(table.lookup('other', [NET_B]), { kind: 'records', ips: ['10.0.2.2'], rotate: false });
  assert.deepEqual(table.lookup('web', []), { kind: 'nxdomain' });
  const both = table.lookup('tasks.other', [NET_A, NET_B]);
  assert.deepEqual(both, { kind: 'records', ips: ['10.0.2.10'], rotate: false });
});

test('unknown names are not ours; names are stored lowercase (the server lowercases questions)', () => {
  assert.deepEqual(table.lookup('example.com', onA), { kind: 'not-ours' });
  assert.deepEqual(table.lookup('tasks.nosuch', onA), { kind: 'not-ours' });
  const upper = RecordTable.fromView({
    ...testView(0),
    services: [{ id: 's', name: 'MixedCase', endpointMode: 'dnsrr', virtualIps: [], ports: [] }],
    endpoints: [
      {
        taskId: 't',
        serviceId: 's',
        slot: 1,
        name: '',
        nodeId: 'n',
        networkId: NET_A,
        addr: '10.0.1.9/24',
        running: true,
      },
    ],
  });
  assert.deepEqual(upper.lookup('mixedcase', onA), { kind: 'records', ips: ['10.0.1.9'], rotate: false });
});

test('scaled to 0: answered at once with no records (vip and dnsrr alike), never not-ours', () => {
  assert.deepEqual(table.lookup('zero', onA), { kind: 'records', ips: [], rotate: false });
  assert.deepEqual(table.lookup('tasks.zero', onA), { kind: 'records', ips: [], rotate: false });
  // A dnsrr service with no task has no network at all: known (empty) to everyone.
  assert.deepEqual(table.lookup('gone', onA), { kind: 'records', ips: [], rotate: false });
  assert.deepEqual(table.lookup('tasks.gone', [NET_B]), { kind: 'records', ips: [], rotate: false });
});

test('tasks.<service> follows the view: 10 tasks after a scale to 10', () => {
  const t = RecordTable.fromView(testView(10));
  const found = t.lookup('tasks.big', onA);
  assert.equal(found.kind, 'records');
  assert.equal(found.kind === 'records' ? found.ips.length : 0, 10);
});

test('reverse names: a running task’s address → its task name on the network, a VIP → its service; scoped', () => {
  assert.deepEqual(table.lookupReverse('11.1.0.10.in-addr.arpa', onA), {
    kind: 'ptr',
    name: 'web.2.webtask2.a',
  });
  assert.deepEqual(table.lookupReverse('2.1.0.10.in-addr.arpa', onA), { kind: 'ptr', name: 'web.a' });
  assert.deepEqual(table.lookupReverse('30.1.0.10.in-addr.arpa', onA), {
    kind: 'ptr',
    name: 'global.node1.globaltask1.a',
  });
  assert.deepEqual(table.lookupReverse('40.1.0.10.in-addr.arpa', onA), { kind: 'ptr', name: 'lonely.a' });
  // Not running: the address leads nowhere, and is not the cluster's to name.
  assert.deepEqual(table.lookupReverse('13.1.0.10.in-addr.arpa', onA), { kind: 'not-ours' });
  // Another network's address: not told, not forwarded.
  assert.deepEqual(table.lookupReverse('10.2.0.10.in-addr.arpa', onA), { kind: 'nxdomain' });
  assert.deepEqual(table.lookupReverse('10.2.0.10.in-addr.arpa', [NET_B]), {
    kind: 'ptr',
    name: 'other.1.othertask1.b',
  });
  assert.deepEqual(table.lookupReverse('8.8.8.8.in-addr.arpa', onA), { kind: 'not-ours' });
});
