/**
 * An Assignments stream whose node has not taken its last message (the connection's flow control holds
 * it) gets nothing more until it has; what changed meanwhile then goes out in one message.
 */
import type * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { AssignmentStreams } from '../../server/dispatcher/assignment-streams.ts';
import { NetworkViewIndex } from '../../server/dispatcher/view-index.ts';
import type { Service, Task } from '../../server/store/index.ts';
import { newTask } from '../store/fixtures.ts';
import { until } from '../daemon/helpers.ts';

/** A call whose messages the test hands to "the connection" when it wants. */
class HeldCall extends EventEmitter {
  cancelled = false;
  readonly written: WireAssignmentsMessage[] = [];
  readonly untaken: (() => void)[] = [];
  write(m: WireAssignmentsMessage, taken: () => void): boolean {
    this.written.push(m);
    this.untaken.push(taken);
    return true;
  }
}

const task = (id: string, version: number): Task => ({
  ...newTask(id, 's1', 1, { nodeId: 'n1', status: { state: 'assigned', timestamp: version } }),
  meta: { version: { index: version }, createdAt: 1, updatedAt: version },
});

const emptyIndex = (): NetworkViewIndex =>
  new NetworkViewIndex({ nodes: [], networks: [], services: [], tasks: [], gatewaySubnet: '172.18.0.0/16' });
const aborted = { code: 10, details: 'replaced', metadata: undefined } as unknown as grpc.StatusObject;

test('a stream whose last message is not taken waits, then sends what changed in one message', async () => {
  const streams = new AssignmentStreams({ assignmentBatchMs: 1, viewPartEntities: 1000 });
  const index = emptyIndex();
  const call = new HeldCall();
  call.on('error', () => undefined); // how streams end
  streams.open(call as never, { nodeId: 'n1', enders: new Set() }, [], index, aborted);
  assert.equal(call.written.length, 1, 'the complete set');
  for (let v = 2; v < 7; v++) {
    streams.task(task(`t${v}`, v), false, undefined);
    await new Promise(r => setTimeout(r, 10));
  }
  assert.equal(call.written.length, 1, 'nothing more while the first is not taken');
  for (const taken of call.untaken.splice(0)) taken();
  await until('the changes sent', () => Promise.resolve(call.written.length > 1));
  await new Promise(r => setTimeout(r, 20));
  assert.equal(call.written.length, 2);
  assert.deepEqual(call.written[1]?.changes.map(c => c.task?.id).sort(), ['t2', 't3', 't4', 't5', 't6']);
  streams.endAll(aborted);
});

/** A call whose connection takes every message at once. */
class TakingCall extends EventEmitter {
  cancelled = false;
  written = 0;
  write(_m: WireAssignmentsMessage, taken: () => void): boolean {
    this.written++;
    taken();
    return true;
  }
}

/** A service named `name` (every view holds every service: a change of it reaches every stream). */
const service = (name: string): Service =>
  ({
    id: 'svc1',
    meta: { version: { index: 1 }, createdAt: 1, updatedAt: 1 },
    spec: { name, labels: {}, endpoint: { mode: 'vip', ports: [] } },
  }) as unknown as Service;

/** 2,000 open streams over an index whose view changes reach them; n1's call. */
function thousandsOpen(): { streams: AssignmentStreams; index: NetworkViewIndex; n1: TakingCall } {
  const streams = new AssignmentStreams({ assignmentBatchMs: 1, viewPartEntities: 1000 });
  const index = new NetworkViewIndex(
    { nodes: [], networks: [], services: [], tasks: [], gatewaySubnet: '172.18.0.0/16' },
    nodeId => streams.viewChanged(nodeId),
  );
  const open = (nodeId: string): TakingCall => {
    const call = new TakingCall();
    call.on('error', () => undefined);
    streams.open(call as never, { nodeId, enders: new Set() }, [], index, aborted);
    return call;
  };
  const n1 = open('n1');
  for (let k = 2; k <= 2000; k++) open(`n${k}`); // 2,000 streams: 0.8 s per message when busy
  return { streams, index, n1 };
}

test('with thousands of streams open, a busy view sends one message per longer period', async () => {
  const { streams, index, n1 } = thousandsOpen();
  const t0 = Date.now();
  for (let v = 2; v < 42; v++) {
    index.service(service(`web${v}`), false);
    await new Promise(r => setTimeout(r, 5));
  }
  await new Promise(r => setTimeout(r, 5));
  const elapsed = Date.now() - t0;
  const sent = n1.written - 1; // after the complete set
  // A burst of 4, then one per 800 ms (40 changes 5 ms apart went in 40 messages before).
  assert.ok(sent >= 1, 'the changes were sent');
  assert.ok(sent <= 5 + Math.ceil(elapsed / 800), `${sent} messages in ${elapsed} ms`);
  streams.endAll(aborted);
});

test('a task change goes out within the batch period, however busy the view', async () => {
  const { streams, index, n1 } = thousandsOpen();
  // The burst spent: each change sent at once, until the pacer holds the next.
  for (let v = 2; v < 6; v++) {
    const sent = n1.written;
    index.service(service(`web${v}`), false);
    await until('a change sent', () => Promise.resolve(n1.written > sent));
  }
  const before = n1.written;
  index.service(service('web6'), false);
  await new Promise(r => setImmediate(r));
  assert.equal(n1.written, before, 'the view change waits for the pacer');
  const t0 = Date.now();
  streams.task(task('t1', 2), false, undefined);
  await until('the task sent', () => Promise.resolve(n1.written > before));
  // Paced as the view, it would wait ~800 ms; its batch period is 1 ms.
  assert.ok(Date.now() - t0 < 400, `the task waited ${Date.now() - t0} ms`);
  streams.endAll(aborted);
});
